export * from './topics';
export * from './dlq';
export * from './dto';
export * from './canonical-json';
export * from './parse-message';
export * from './fast-validation';
export * from './programs';
