import { DlqCode, InvalidMessageError, parseMessage, ParsedMessage } from '@engine/contracts';
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export type ParseOutcome = ({ ok: true } & ParsedMessage) | { ok: false; code: DlqCode; reason: string };

/** Parses and validates the values of one partition batch (contract topic name given). */
export interface MessageParser {
  parse(topic: string, values: (Buffer | null)[]): Promise<ParseOutcome[]>;
  close(): Promise<void>;
}

export function parseAll(topic: string, values: (Buffer | Uint8Array | null)[]): ParseOutcome[] {
  return values.map((value) => {
    try {
      const buffer = value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      const { event, hash } = parseMessage(topic, buffer);
      return { ok: true, event, hash };
    } catch (error) {
      if (error instanceof InvalidMessageError) return { ok: false, code: error.code, reason: error.message };
      // A message that trips the validator itself still must not stop its partition.
      return { ok: false, code: DlqCode.INVALID_DATA, reason: `could not be validated: ${String((error as Error)?.message ?? error).slice(0, 300)}` };
    }
  });
}

/** Parsing on the event loop (tests, and machines with one core). */
export class InlineParser implements MessageParser {
  async parse(topic: string, values: (Buffer | null)[]): Promise<ParseOutcome[]> {
    return parseAll(topic, values);
  }

  async close(): Promise<void> {}
}

/**
 * Parsing (JSON, validation, payload hash) on worker threads, so that it runs on another core while the event
 * loop does Kafka, the rules and the database. Results come back in order per call.
 */
export class WorkerParser implements MessageParser {
  private readonly workers: Worker[];
  private next = 0;
  private sequence = 0;
  private readonly pending = new Map<number, { resolve: (r: ParseOutcome[]) => void; reject: (e: Error) => void }>();

  /** `heapSoftLimitMb`: see HeapGovernor (0: off). */
  constructor(count: number, heapSoftLimitMb = 0, script = join(__dirname, 'parse.worker.js')) {
    this.workers = Array.from({ length: count }, () => {
      const worker = new Worker(script, { workerData: { heapSoftLimitBytes: heapSoftLimitMb * 2 ** 20 } });
      worker.on('message', (reply: { id: number; results?: ParseOutcome[]; error?: string }) => {
        const waiter = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        if (reply.error !== undefined) waiter?.reject(new Error(`parse worker: ${reply.error}`));
        else waiter?.resolve(reply.results!);
      });
      worker.on('error', (error) => {
        for (const waiter of this.pending.values()) waiter.reject(error);
        this.pending.clear();
      });
      worker.unref();
      return worker;
    });
  }

  static available(): boolean {
    return existsSync(join(__dirname, 'parse.worker.js'));
  }

  parse(topic: string, values: (Buffer | null)[]): Promise<ParseOutcome[]> {
    const id = ++this.sequence;
    const worker = this.workers[this.next++ % this.workers.length];
    const batch = packValues(values);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, topic, ...batch }, [batch.packed.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Message values packed into one buffer of their own (-1: a null value), to hand to a worker thread. */
export interface PackedValues {
  packed: Uint8Array;
  lengths: Int32Array;
}

/**
 * Kafka client buffers are views into the whole fetch response, and structured cloning a view copies its whole
 * underlying buffer: every partition batch posted to a worker would carry the entire response (megabytes). The
 * values are copied once into a fresh buffer instead, and that buffer is transferred, not copied.
 */
export function packValues(values: readonly (Uint8Array | null)[]): PackedValues {
  const lengths = new Int32Array(values.length);
  let total = 0;
  values.forEach((value, i) => {
    lengths[i] = value === null ? -1 : value.byteLength;
    total += value?.byteLength ?? 0;
  });
  const packed = new Uint8Array(new ArrayBuffer(total)); // never a pooled Buffer: its memory is transferred
  let offset = 0;
  for (const value of values) {
    if (value === null) continue;
    packed.set(value, offset);
    offset += value.byteLength;
  }
  return { packed, lengths };
}

export function unpackValues({ packed, lengths }: PackedValues): (Buffer | null)[] {
  const values: (Buffer | null)[] = [];
  let offset = 0;
  for (const length of lengths) {
    if (length < 0) {
      values.push(null);
      continue;
    }
    values.push(Buffer.from(packed.buffer, packed.byteOffset + offset, length));
    offset += length;
  }
  return values;
}
