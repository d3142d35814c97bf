/**
 * The pure core of the commission engine: CONTRACT.md's rules as functions of events and a clock value.
 * No framework, driver or clock imports here (guarded by domain-purity.spec.ts).
 */
export * from './money';
export * from './program';
export * from './partners';
export * from './events';
export * from './referral';
export * from './rules';
export * from './ledger';
export * from './explanation';
export * from './payouts';
export * from './time';
