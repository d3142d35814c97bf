/** Why a message went to the dead-letter topic (CONTRACT §2, header `x-error-code`). */
export enum DlqCode {
  MALFORMED_JSON = 'MALFORMED_JSON',
  INVALID_ENVELOPE = 'INVALID_ENVELOPE',
  UNKNOWN_TYPE = 'UNKNOWN_TYPE',
  INVALID_DATA = 'INVALID_DATA',
  UNSUPPORTED_CURRENCY = 'UNSUPPORTED_CURRENCY',
  INVALID_AMOUNT = 'INVALID_AMOUNT',
  CONFLICTING_DUPLICATE = 'CONFLICTING_DUPLICATE',
}

export const DLQ_HEADERS = {
  code: 'x-error-code',
  message: 'x-error-message',
  topic: 'x-source-topic',
  partition: 'x-source-partition',
  offset: 'x-source-offset',
} as const;

/** A message the engine refuses, with the reason it gives the publisher. */
export class InvalidMessageError extends Error {
  constructor(readonly code: DlqCode, message: string) {
    super(message);
    this.name = 'InvalidMessageError';
  }
}
