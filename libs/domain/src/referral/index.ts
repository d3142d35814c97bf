export * from './referral-status';
