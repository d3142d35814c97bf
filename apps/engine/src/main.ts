import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@engine/config';
import { assertKafkajsDropIns, KAFKAJS_VERSION } from '@engine/messaging';
import { createEngineApp, startEngineApp } from './engine-app';
import { applyHeapGrowingPercent } from './memory/heap-growth';
import { shutdownTimeoutMs } from './shutdown';

/** `npm start`: migrate, then run the Kafka workers, outbox relay, expiry sweep and HTTP API. */
async function main(): Promise<void> {
  assertKafkajsDropIns(); // first: the gateway refuses too, but only once Nest builds it, as an injector error
  const config = loadConfig();
  const stopWithin = shutdownTimeoutMs(); // validated before anything starts
  applyHeapGrowingPercent(config.heapGrowingPercent);
  const app = await createEngineApp(config);
  await startEngineApp(app, config.httpPort);
  new Logger('main').log(
    `commission engine up: kafka ${config.kafkaBrokers.join(',')}, http :${config.httpPort} (OpenAPI at /docs)` +
      (config.engineNow !== null ? `, clock frozen at ${new Date(config.engineNow).toISOString()}` : '') +
      `, kafkajs fast paths on (kafkajs ${KAFKAJS_VERSION})` +
      `, heap growth ${config.heapGrowingPercent > 0 ? `capped at ${config.heapGrowingPercent}%` : "V8's own"}` +
      `, SIGTERM drains within ${stopWithin} ms`,
  );
}

main().catch((error) => {
  console.error(`engine failed to start: ${(error as Error).stack ?? error}`);
  process.exit(1);
});
