import 'reflect-metadata';
import { loadConfig } from '@engine/config';
import { KafkaGateway } from '@engine/messaging';
import { openMigratedDataSource } from '@engine/persistence';
import { ParkedEvents } from '../apps/engine/src/ingest/parked-events';

/**
 * Parked events (valid messages whose transaction kept failing for a reason of ours), against DATABASE_URL and
 * KAFKA_BROKERS:
 *
 *   npm run parked -- list     one line per waiting parked message: coordinates, event, attempts, error
 *   npm run parked -- retry    republish them to their source topics (after the fix is deployed); the engine applies them
 */
const USAGE = 'usage: npm run parked -- list|retry';

async function main(): Promise<void> {
  const command = process.argv[2];
  if (command !== 'list' && command !== 'retry') throw new Error(USAGE);
  const config = loadConfig();
  const dataSource = await openMigratedDataSource(config);
  const kafka = new KafkaGateway({ brokers: config.kafkaBrokers, clientId: 'commission-engine-parked' });
  try {
    const parked = new ParkedEvents(dataSource, () => kafka.getProducer());
    if (command === 'list') {
      const waiting = await parked.list();
      for (const p of waiting) {
        console.log(`${p.parkedAt.toISOString()} ${p.topic}/${p.partition}@${p.offset} ${p.source ?? '-'} ${p.eventId ?? '-'} attempts=${p.attempts} ${p.errorCode ?? ''}: ${p.errorMessage}`);
      }
      console.log(`${waiting.length} parked event(s) waiting`);
    } else {
      console.log(`republished ${await parked.retry()} parked event(s) to their source topics`);
    }
  } finally {
    await kafka.close();
    await dataSource.destroy();
  }
}

main().catch((error) => {
  console.error(`parked: ${(error as Error).message}`);
  process.exit(1);
});
