export * from './anomaly.repository';
export * from './dead-letter.repository';
export * from './event-store.repository';
export * from './ledger.repository';
export * from './outbox.repository';
export * from './referral-state.repository';
export * from './parked-event.repository';
export * from './program-catalogue.repository';
