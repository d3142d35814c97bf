export * from './dlq-code';
