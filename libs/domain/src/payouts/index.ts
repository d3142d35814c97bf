export * from './payout-order';
