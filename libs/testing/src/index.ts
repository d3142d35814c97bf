export * from './scenario';
export * from './publish';
