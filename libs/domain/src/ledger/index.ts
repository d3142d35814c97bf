export * from './ledger-plan';
export * from './period';
export * from './period-close';
export * from './statements';
