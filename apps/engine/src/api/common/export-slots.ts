import { Logger } from '@nestjs/common';
import { ApiException, ApiExceptionCode } from '../errors/api.exception';

/** What a slot needs of a response: Node's ServerResponse (and Express's) has it. */
export interface SlotResponse {
  readonly destroyed: boolean;
  once(event: 'close' | 'finish', listener: () => void): unknown;
  destroy(error?: Error): unknown;
}

/** Retry-After (seconds) of a 429 TOO_MANY_EXPORTS: an export that holds a slot usually ends within seconds. */
export const EXPORT_RETRY_AFTER_SECONDS = 5;

export interface ExportSlotsOptions {
  /** exports at once (EXPORT_CONCURRENCY) */
  limit: number;
  /** bound of one export (EXPORT_TIMEOUT_MS): past it, its response is cut */
  timeoutMs: number;
  logger?: Pick<Logger, 'warn'>;
}

/**
 * The streamed exports running in this process, at most `limit` at once. A streamed export holds one connection of
 * the API's pool for as long as its client reads, so their number is bounded here, before any connection is taken:
 * one more is refused at once with 429 TOO_MANY_EXPORTS and `Retry-After`, never queued. A slot is held from `take`
 * until its response closes, however it ends: completed, failed (the error response or the cut connection), or
 * abandoned by its client. A response still open after `timeoutMs` is cut (destroyed: the client sees a truncated
 * body, and the export, which listens for the close, destroys its database connection). `cutAll` does the same to
 * every one at shutdown, so that the HTTP server can close.
 */
export class ExportSlots {
  private readonly held = new Set<SlotResponse>();
  private readonly logger: Pick<Logger, 'warn'>;

  constructor(private readonly options: ExportSlotsOptions) {
    this.logger = options.logger ?? new Logger('Exports');
  }

  get inUse(): number {
    return this.held.size;
  }

  get limit(): number {
    return this.options.limit;
  }

  /** Takes a slot for `response` until it closes; throws 429 TOO_MANY_EXPORTS when all are taken. */
  take(response: SlotResponse, what: string): void {
    if (this.held.size >= this.options.limit) {
      throw new ApiException(
        ApiExceptionCode.TOO_MANY_EXPORTS,
        `${this.options.limit} exports are already running (EXPORT_CONCURRENCY); retry in ${EXPORT_RETRY_AFTER_SECONDS} s`,
        { limit: this.options.limit, retryAfterSeconds: EXPORT_RETRY_AFTER_SECONDS },
      );
    }
    this.held.add(response);
    const timer = setTimeout(() => {
      this.logger.warn(`${what}: still streaming after ${this.options.timeoutMs} ms (EXPORT_TIMEOUT_MS), cut`);
      response.destroy();
    }, this.options.timeoutMs);
    timer.unref();
    const release = () => {
      clearTimeout(timer);
      this.held.delete(response);
    };
    response.once('close', release);
    response.once('finish', release);
    if (response.destroyed) release(); // gone before it was taken: 'close' will not come again
  }

  /** Cuts every export in flight (the process is stopping); their slots are released as their responses close. */
  cutAll(): number {
    const cut = this.held.size;
    for (const response of this.held) response.destroy();
    return cut;
  }
}
