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
