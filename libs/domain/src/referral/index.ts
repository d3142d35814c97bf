export * from './referral-status';
export * from './referral-diff';
