export * from './partner-standing';
