export * from './input-event';
export * from './order';
