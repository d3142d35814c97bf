export * from './kafka-batch.server';
export * from './kafka-gateway';
export * from './message';
export { kafkajsFastPathsInstalled } from './kafkajs/install-fast-paths';
