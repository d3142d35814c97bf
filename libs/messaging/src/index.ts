export * from './kafka-batch.server';
export * from './kafka-gateway';
export * from './message';
export { assertKafkajsDropIns, KAFKAJS_VERSION } from './kafkajs/install-fast-paths';
