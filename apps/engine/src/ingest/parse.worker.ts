import { parentPort, workerData } from 'node:worker_threads';
import { HeapGovernor } from '../memory/heap-governor';
import { PackedValues, parseAll, unpackValues } from './message-parser';

const heap = new HeapGovernor(Number((workerData as { heapSoftLimitBytes?: number } | null)?.heapSoftLimitBytes ?? 0));

/** Worker thread of WorkerParser: parses the values it is sent and replies with the outcomes, in order. */
parentPort!.on('message', ({ id, topic, packed, lengths }: { id: number; topic: string } & PackedValues) => {
  try {
    parentPort!.postMessage({ id, results: parseAll(topic, unpackValues({ packed, lengths })) });
    heap.check();
  } catch (error) {
    parentPort!.postMessage({ id, error: (error as Error).stack ?? String(error) });
  }
});
