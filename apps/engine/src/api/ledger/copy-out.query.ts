import { Connection, Submittable } from 'pg';

/**
 * `COPY (…) TO STDOUT` as a pg Submittable: the rows arrive as raw bytes (CopyData messages, views into pg's read
 * buffer) and go to `onData` without ever becoming JavaScript strings, so a million-row export puts next to nothing
 * on the V8 heap. `pause()`/`resume()` stop and restart reading the connection's socket: TCP back-pressure then
 * stops PostgreSQL itself until the destination has drained.
 */
export class CopyOutQuery implements Submittable {
  readonly done: Promise<void>;
  private settle!: { resolve: () => void; reject: (error: Error) => void };
  private failed: Error | null = null;
  private connection: Connection | null = null;

  /** `onData` must copy what it keeps: the buffer is reused by the parser once the call returns. */
  constructor(
    readonly text: string,
    private readonly onData: (chunk: Buffer) => void,
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.done.catch(() => undefined); // observed by the caller; never an unhandled rejection
  }

  submit(connection: Connection): void {
    this.connection = connection;
    connection.query(this.text);
  }

  pause(): void {
    this.connection?.stream.pause();
  }

  resume(): void {
    this.connection?.stream.resume();
  }

  handleCopyData(message: { chunk: Buffer }): void {
    if (this.failed) return;
    try {
      this.onData(message.chunk);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  handleError(error: Error): void {
    this.fail(error);
  }

  handleReadyForQuery(): void {
    this.resume(); // never hand a paused connection back to the pool
    if (!this.failed) this.settle.resolve();
  }

  handleCopyInResponse(connection: Connection): void {
    (connection as unknown as { sendCopyFail(message: string): void }).sendCopyFail('COPY FROM STDIN is not supported by CopyOutQuery');
  }

  // Not sent in answer to COPY TO STDOUT; present because pg calls them on whatever query is active.
  handleCommandComplete(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}

  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = error;
    this.resume();
    this.settle.reject(error);
  }
}
