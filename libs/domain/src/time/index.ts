export * from './iso-timestamp';
