export * from './eventually';
export * from './publish';
export * from './scenario';
export * from './shuffle';
export * from './test-database';
export * from './cloud-events';
export * from './sample-stream';
export * from './classify-messages';
