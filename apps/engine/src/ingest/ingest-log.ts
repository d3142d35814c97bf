import { ParkedEventRecord } from '@engine/persistence';
import { BatchReport, IngestTransaction } from './batch-scheduler';

/**
 * A logger that takes fields and a message: pino's `(fields, message)`, and Nest's `Logger` when nestjs-pino is the
 * application's logger (observability/logging.ts), which turns the object into fields of the line.
 */
export interface FieldsLogger {
  debug(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * The ingest's lines, one per scheduler callback. Each carries the transaction's id and the offsets it held:
 * `{"txId": "3f9a1c-42", "batches": [{"topic", "partition", "fromOffset", "toOffset"}]}`, so a line can be followed
 * from a failure to its retries, its parked messages and its commit, and back to the partitions.
 */
export function ingestLog(logger: FieldsLogger) {
  return {
    /** debug: a transaction committed (LOG_LEVEL=debug shows one line per transaction) */
    committed(report: BatchReport, messages: number, tx: IngestTransaction, ms: number): void {
      logger.debug(
        {
          txId: tx.id, batches: tx.batches, messages, applied: report.applied, duplicates: report.duplicates, deadLetters: report.deadLetters.length,
          parked: report.parked, ms: Math.round(ms * 10) / 10,
        },
        `transaction committed: ${messages} message(s) of ${tx.batches.length} batch(es), ${report.applied} applied, ${report.duplicates} duplicate(s), ` +
          `${report.deadLetters.length} dead-lettered, ${report.parked} parked, in ${ms.toFixed(1)} ms`,
      );
    },

    /** warn: a try rolled back (it is retried, or its messages are isolated) */
    failed(error: unknown, attempt: number, messages: number, tx: IngestTransaction): void {
      logger.warn(
        { txId: tx.id, batches: tx.batches, attempt, messages, errorCode: errorCodeOf(error) },
        `transaction of ${messages} message(s) failed (attempt ${attempt}): ${(error as Error | null)?.message ?? error}`,
      );
    },

    /** error: a message set aside after its tries (`npm run parked`) */
    parked(record: ParkedEventRecord, tx: IngestTransaction): void {
      logger.error(
        { txId: tx.id, batches: tx.batches, source: record.source, eventId: record.eventId, attempts: record.attempts, errorCode: record.errorCode },
        `parked ${record.topic}/${record.partition}@${record.offset} (${record.source ?? '?'}, ${record.eventId ?? '?'}) after ${record.attempts} attempts: ${record.errorMessage}`,
      );
    },
  };
}

/** The SQLSTATE or system error code of a failure, or its name. */
function errorCodeOf(error: unknown): string | undefined {
  const e = error as { code?: unknown; driverError?: { code?: unknown }; name?: unknown } | null;
  const code = e?.driverError?.code ?? e?.code ?? e?.name;
  return typeof code === 'string' ? code : undefined;
}
