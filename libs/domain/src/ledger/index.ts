export * from './ledger-plan';
export * from './period';
export * from './statements';
