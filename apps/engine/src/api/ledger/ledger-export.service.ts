import { Writable } from 'node:stream';
import { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { CopyOutQuery } from './copy-out.query';
import { CopyRecordFramer } from './copy-record-framer';
import { ExportFormat } from './dtos/ledger-query.dto';
import { LedgerExportRepository, LedgerFilter } from './ledger-export.repository';

export interface ExportResult {
  rows: number;
  /** false when the destination went away before the end */
  complete: boolean;
}

export interface LedgerExportOptions {
  /**
   * `statement_timeout` (ms) of the COPY, set on its connection for the export and reset after it; absent: the
   * pool's. The API's pool bounds statements at API_STATEMENT_TIMEOUT_MS, but a COPY runs as long as its client
   * reads, so it gets the export's bound (EXPORT_TIMEOUT_MS) instead. (PostgreSQL cannot cancel a COPY that waits
   * for a client to read: that case is cut by the controller's timer, ExportSlots.)
   */
  statementTimeoutMs?: number;
}

/**
 * Streams the entries booked in a period to any writable (an HTTP response, a file), as CSV (RFC 4180, CRLF) or as a
 * JSON array. The bytes come from `COPY … TO STDOUT` on a connection of its own and are re-framed in 64 KiB batches;
 * when the destination is full, reading from PostgreSQL pauses until it drains. Nothing of the ledger is held in
 * memory and no per-row JavaScript objects are made, so memory stays flat for any period size. In the engine it runs
 * on the API's pool (ApiModule); how many run at once is the controller's business (ExportSlots).
 */
export class LedgerExportService {
  private readonly repository = new LedgerExportRepository();

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: LedgerExportOptions = {},
  ) {}

  count(filter: LedgerFilter): Promise<number> {
    return this.repository.count(this.dataSource, filter);
  }

  async export(filter: LedgerFilter, format: ExportFormat, out: Writable, onProgress?: (rows: number) => void): Promise<ExportResult> {
    const csv = format === 'csv';
    const rowsOf = (records: number) => (csv ? Math.max(0, records - 1) : records); // the CSV header is a record
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool;
    const client: PoolClient = await pool.connect();
    const ignore = () => undefined; // a dead connection fails the COPY, which reports it
    client.on('error', ignore);

    let aborted = false;
    let paused = false;
    const framer = new CopyRecordFramer(
      csv ? { quoted: true, leader: '', separator: '', terminator: '\r\n' } : { quoted: false, leader: '\n', separator: ',\n', terminator: '' },
      (batch) => {
        if (aborted) return;
        if (!out.write(batch) && !paused) {
          paused = true;
          query.pause();
        }
        onProgress?.(rowsOf(framer.records));
      },
    );
    const query = new CopyOutQuery(this.repository.copyStatement(filter, format), (chunk) => framer.push(chunk));
    const onDrain = () => {
      if (paused) {
        paused = false;
        query.resume();
      }
    };
    const onGone = () => {
      if (aborted) return;
      aborted = true;
      (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy(); // ends the COPY server-side
    };
    out.on('drain', onDrain);
    out.on('close', onGone);
    out.on('error', onGone);
    if (out.destroyed) onGone(); // gone while this waited for a connection: 'close' was before the listener

    const { statementTimeoutMs } = this.options;
    let failure: Error | undefined;
    try {
      if (aborted) throw new Error('ledger export aborted: the destination closed');
      if (statementTimeoutMs !== undefined) await client.query(`SET statement_timeout = ${Math.floor(statementTimeoutMs)}`);
      if (!csv) framer.text('[');
      client.query(query);
      await query.done;
      // back to the pool's own timeout (the startup parameter) before the connection is reused
      if (statementTimeoutMs !== undefined) await client.query('RESET statement_timeout');
      if (!csv) framer.text(framer.records === 0 ? ']\n' : '\n]\n');
      framer.flush();
    } catch (error) {
      failure = error as Error;
    } finally {
      query.resume(); // the last write may have paused it: the connection goes back to the pool reading
      out.off('drain', onDrain);
      out.off('close', onGone);
      out.off('error', onGone);
      client.release(aborted || failure ? (failure ?? new Error('ledger export aborted: the destination closed')) : undefined);
      client.off('error', ignore);
    }
    if (aborted) return { rows: rowsOf(framer.records), complete: false };
    if (failure) throw failure;
    return { rows: rowsOf(framer.records), complete: true };
  }
}
