import { parentPort } from 'node:worker_threads';
import { PackedValues, parseAll, unpackValues } from './message-parser';

/** Worker thread of WorkerParser: parses the values it is sent and replies with the outcomes, in order. */
parentPort!.on('message', ({ id, topic, packed, lengths }: { id: number; topic: string } & PackedValues) => {
  try {
    parentPort!.postMessage({ id, results: parseAll(topic, unpackValues({ packed, lengths })) });
  } catch (error) {
    parentPort!.postMessage({ id, error: (error as Error).stack ?? String(error) });
  }
});
