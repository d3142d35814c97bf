import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions, Transport } from '@nestjs/microservices';
import { loadConfig } from '@engine/config';
import { TextbookModule } from './textbook.module';

/**
 * The textbook NestJS consumer the benchmark compares the engine with (`npm run bench`, "textbook baseline"):
 * Nest's Kafka transport, one @EventPattern handler call and one transaction per message. Not for production.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(TextbookModule, {
    transport: Transport.KAFKA,
    options: {
      postfixId: '',
      client: { clientId: 'textbook-baseline', brokers: config.kafkaBrokers },
      consumer: { groupId: config.groupId },
      subscribe: { fromBeginning: true },
      // kafkajs commits consumed offsets every 5 s by default; the benchmark detects completion by lag 0
      run: { autoCommitInterval: 100 },
      parser: { keepBinary: true },
    },
    logger: ['error', 'warn'],
  });
  app.enableShutdownHooks();
  await app.listen();
  console.log('textbook baseline consuming');
}

main().catch((error) => {
  console.error(`textbook baseline failed: ${(error as Error).stack ?? error}`);
  process.exit(1);
});
