export * from './ledger-plan';
export * from './period';
