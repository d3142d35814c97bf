export * from './currency';
export * from './decimal';
export * from './rounding';
