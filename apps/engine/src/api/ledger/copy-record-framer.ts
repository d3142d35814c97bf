const LF = 0x0a;
const QUOTE = 0x22;

export interface FramerOptions {
  /** true for CSV (a `"`-quoted field may hold line feeds); false when no record holds one (a JSON document per line) */
  quoted: boolean;
  /** written before the first record */
  leader: string;
  /** written before every record but the first */
  separator: string;
  /** written after every record */
  terminator: string;
}

/**
 * Re-frames the records of `COPY … TO STDOUT` (each ended by a line feed outside quotes) for the export: CSV
 * records end with CRLF (RFC 4180), JSON objects get comma separators. Records may be split across chunks, and a
 * quoted CSV field may hold line feeds; quote parity is tracked across chunks (a doubled quote flips it twice).
 * Output goes, copied, into fixed-size batches handed to `emit`.
 */
export class CopyRecordFramer {
  private inQuotes = false;
  private atRecordStart = true;
  private batch: Buffer;
  private used = 0;
  private readonly leader: Buffer;
  private readonly separator: Buffer;
  private readonly terminator: Buffer;
  records = 0;

  constructor(
    private readonly options: FramerOptions,
    private readonly emit: (batch: Buffer) => void,
    private readonly batchSize = 64 * 1024,
  ) {
    this.batch = Buffer.allocUnsafe(batchSize);
    this.leader = Buffer.from(options.leader, 'utf8');
    this.separator = Buffer.from(options.separator, 'utf8');
    this.terminator = Buffer.from(options.terminator, 'utf8');
  }

  /** Writes literal text (array brackets) at the current position. */
  text(value: string): void {
    this.copy(Buffer.from(value, 'utf8'));
  }

  push(chunk: Buffer): void {
    let position = 0;
    while (position < chunk.length) {
      if (this.atRecordStart) {
        this.copy(this.records > 0 ? this.separator : this.leader);
        this.atRecordStart = false;
      }
      const end = this.recordEnd(chunk, position);
      if (end < 0) {
        this.copy(chunk.subarray(position));
        return;
      }
      this.copy(chunk.subarray(position, end));
      this.copy(this.terminator);
      this.records++;
      this.atRecordStart = true;
      position = end + 1;
    }
  }

  /** Hands over what is buffered. */
  flush(): void {
    if (this.used === 0) return;
    const full = this.batch.subarray(0, this.used);
    this.batch = Buffer.allocUnsafe(this.batchSize);
    this.used = 0;
    this.emit(full);
  }

  /** The index of the line feed that ends the current record in `chunk` from `from`, or -1 (quote parity updated). */
  private recordEnd(chunk: Buffer, from: number): number {
    if (!this.options.quoted) return chunk.indexOf(LF, from);
    let i = from;
    for (;;) {
      const lf = chunk.indexOf(LF, i);
      const quote = chunk.indexOf(QUOTE, i);
      if (quote >= 0 && (lf < 0 || quote < lf)) {
        this.inQuotes = !this.inQuotes;
        i = quote + 1;
        continue;
      }
      if (lf < 0) return -1;
      if (!this.inQuotes) return lf;
      i = lf + 1;
    }
  }

  private copy(bytes: Buffer): void {
    let offset = 0;
    while (offset < bytes.length) {
      const n = Math.min(bytes.length - offset, this.batchSize - this.used);
      bytes.copy(this.batch, this.used, offset, offset + n);
      this.used += n;
      offset += n;
      if (this.used === this.batchSize) this.flush();
    }
  }
}
