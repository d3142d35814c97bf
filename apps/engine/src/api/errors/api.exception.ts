import { HttpStatus } from '@nestjs/common';

/** Every way an API request can fail, as the `code` of the error body. Mapped to an HTTP status in one place. */
export enum ApiExceptionCode {
  INVALID_INPUT = 'INVALID_INPUT',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  PERIOD_NOT_ENDED = 'PERIOD_NOT_ENDED',
  EARLIER_PERIOD_OPEN = 'EARLIER_PERIOD_OPEN',
  PERIOD_BEFORE_CLOSED = 'PERIOD_BEFORE_CLOSED',
  IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED',
  PROGRAM_CONFLICT = 'PROGRAM_CONFLICT',
  VERSION_CONFLICT = 'VERSION_CONFLICT',
  RETROACTIVE_VERSION = 'RETROACTIVE_VERSION',
  PAYOUT_OUTCOME_CONFLICT = 'PAYOUT_OUTCOME_CONFLICT',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  /** EXPORT_CONCURRENCY streamed exports are running (429, Retry-After) */
  TOO_MANY_EXPORTS = 'TOO_MANY_EXPORTS',
  /** the database did not answer within the API's bounds: statement or lock timeout, no free connection in time (503, Retry-After) */
  DATABASE_TIMEOUT = 'DATABASE_TIMEOUT',
  /** the database cannot be reached (503, Retry-After) */
  DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE',
  INTERNAL = 'INTERNAL',
}

/** A failure the API reports to its caller: a code, a message meant for people, and optional details. */
export class ApiException extends Error {
  constructor(
    readonly code: ApiExceptionCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiException';
  }

  /** A 400 naming the offending field(s). */
  static invalid(field: string | string[], message: string): ApiException {
    return new ApiException(ApiExceptionCode.INVALID_INPUT, message, { fields: Array.isArray(field) ? field : [field] });
  }
}

export function httpStatusOf(code: ApiExceptionCode): HttpStatus {
  switch (code) {
    case ApiExceptionCode.INVALID_INPUT:
      return HttpStatus.BAD_REQUEST;
    case ApiExceptionCode.UNAUTHENTICATED:
      return HttpStatus.UNAUTHORIZED;
    case ApiExceptionCode.FORBIDDEN:
      return HttpStatus.FORBIDDEN;
    case ApiExceptionCode.NOT_FOUND:
      return HttpStatus.NOT_FOUND;
    case ApiExceptionCode.PERIOD_NOT_ENDED:
    case ApiExceptionCode.EARLIER_PERIOD_OPEN:
    case ApiExceptionCode.PERIOD_BEFORE_CLOSED:
    case ApiExceptionCode.IDEMPOTENCY_KEY_REUSED:
    case ApiExceptionCode.PROGRAM_CONFLICT:
    case ApiExceptionCode.VERSION_CONFLICT:
    case ApiExceptionCode.RETROACTIVE_VERSION:
    case ApiExceptionCode.PAYOUT_OUTCOME_CONFLICT:
      return HttpStatus.CONFLICT;
    case ApiExceptionCode.PAYLOAD_TOO_LARGE:
      return HttpStatus.PAYLOAD_TOO_LARGE;
    case ApiExceptionCode.TOO_MANY_EXPORTS:
      return HttpStatus.TOO_MANY_REQUESTS;
    case ApiExceptionCode.DATABASE_TIMEOUT:
    case ApiExceptionCode.DATABASE_UNAVAILABLE:
      return HttpStatus.SERVICE_UNAVAILABLE;
    case ApiExceptionCode.INTERNAL:
      return HttpStatus.INTERNAL_SERVER_ERROR;
    default: {
      const unreachable: never = code;
      throw new Error(`unmapped API error code ${String(unreachable)}`);
    }
  }
}

/** The codes of Nest's own HTTP errors (unknown route, body parser) in the same vocabulary. */
export function codeOfStatus(status: number): ApiExceptionCode {
  switch (status) {
    case HttpStatus.BAD_REQUEST:
      return ApiExceptionCode.INVALID_INPUT;
    case HttpStatus.UNAUTHORIZED:
      return ApiExceptionCode.UNAUTHENTICATED;
    case HttpStatus.FORBIDDEN:
      return ApiExceptionCode.FORBIDDEN;
    case HttpStatus.NOT_FOUND:
      return ApiExceptionCode.NOT_FOUND;
    case HttpStatus.PAYLOAD_TOO_LARGE:
      return ApiExceptionCode.PAYLOAD_TOO_LARGE;
    case HttpStatus.UNSUPPORTED_MEDIA_TYPE: // body-parser: a charset it cannot decode
      return ApiExceptionCode.INVALID_INPUT;
    default:
      return ApiExceptionCode.INTERNAL;
  }
}

/** Retry-After (seconds) of a 503 for a database that timed out or cannot be reached. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** The SQLSTATE (or socket error code) of a driver error, as pg gives it or as TypeORM wraps it. */
function driverCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A database failure that is about time or reachability, not about the request, as the API reports it (503 with
 * Retry-After), or null for anything else. The message names the bound, never the driver's text (which names hosts,
 * users and databases).
 * - 57014 query_canceled: a statement ran past API_STATEMENT_TIMEOUT_MS (the API sends no other cancel);
 * - 55P03 lock_not_available: a lock (the rule-state lock of a close, an adjustment, a payout outcome or a catalogue
 *   addition) not granted within API_LOCK_TIMEOUT_MS;
 * - 25P03: the transaction sat idle past idle_in_transaction_session_timeout and the session was ended;
 * - pg-pool's wait for a free connection, or the connection itself, took longer than its connection timeout;
 * - class 08 connection exceptions, 57P01–57P03 (shutdown, crash, starting up), socket errors, lost connections.
 */
export function databaseFailure(error: unknown): ApiException | null {
  const code = driverCode(error);
  const message = String((error as Error | null)?.message ?? '');
  const retry = { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS };
  if (code === '57014') return new ApiException(ApiExceptionCode.DATABASE_TIMEOUT, 'the database did not answer within the API\'s statement timeout (API_STATEMENT_TIMEOUT_MS); retry later', retry);
  if (code === '55P03') {
    return new ApiException(ApiExceptionCode.DATABASE_TIMEOUT, 'a lock this request needs was held longer than the API\'s lock timeout (API_LOCK_TIMEOUT_MS), e.g. by a long ingest transaction; retry later', retry);
  }
  if (code === '25P03' || /timeout exceeded when trying to connect|due to connection timeout/i.test(message)) {
    return new ApiException(ApiExceptionCode.DATABASE_TIMEOUT, 'no database connection became available in time; retry later', retry);
  }
  if ((code !== undefined && /^(08|57P0[123]|E[A-Z]+$)/.test(code)) || /Connection terminated|not queryable|ECONNREFUSED/i.test(message)) {
    return new ApiException(ApiExceptionCode.DATABASE_UNAVAILABLE, 'the database cannot be reached; retry later', retry);
  }
  return null;
}
