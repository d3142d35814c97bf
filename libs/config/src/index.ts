export * from './app-config';
export * from './clock';
export * from './env.dto';
export * from './node-flags';
export * from './cli-options';
export * from './progress-lines';
