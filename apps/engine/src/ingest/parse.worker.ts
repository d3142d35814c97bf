import { parentPort } from 'node:worker_threads';
import { parseAll } from './message-parser';

/** Worker thread of WorkerParser: parses the values it is sent and replies with the outcomes, in order. */
parentPort!.on('message', ({ id, topic, values }: { id: number; topic: string; values: (Uint8Array | null)[] }) => {
  try {
    parentPort!.postMessage({ id, results: parseAll(topic, values) });
  } catch (error) {
    parentPort!.postMessage({ id, error: (error as Error).stack ?? String(error) });
  }
});
