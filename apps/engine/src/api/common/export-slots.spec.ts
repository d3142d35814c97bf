import { EventEmitter } from 'node:events';
import { ApiException, ApiExceptionCode } from '../errors/api.exception';
import { EXPORT_RETRY_AFTER_SECONDS, ExportSlots } from './export-slots';

/** A response as the slots see it: closes (once) when ended or destroyed. */
class FakeResponse extends EventEmitter {
  destroyed = false;
  destroy(): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.emit('close');
    return this;
  }
  finish(): void {
    this.emit('finish');
    this.emit('close');
  }
}

describe('ExportSlots', () => {
  const logger = { warn: jest.fn() };
  afterEach(() => jest.useRealTimers());

  it('holds at most `limit` exports; one more is a 429 TOO_MANY_EXPORTS with a retry delay', () => {
    const slots = new ExportSlots({ limit: 2, timeoutMs: 60_000, logger });
    slots.take(new FakeResponse(), 'a');
    slots.take(new FakeResponse(), 'b');
    expect(slots.inUse).toBe(2);
    let refusal: unknown;
    try {
      slots.take(new FakeResponse(), 'c');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(ApiException);
    expect(refusal).toMatchObject({ code: ApiExceptionCode.TOO_MANY_EXPORTS, details: { limit: 2, retryAfterSeconds: EXPORT_RETRY_AFTER_SECONDS } });
    expect(slots.inUse).toBe(2);
  });

  it('frees a slot when its response ends, fails or is abandoned by the client, once', () => {
    const slots = new ExportSlots({ limit: 1, timeoutMs: 60_000, logger });
    const done = new FakeResponse();
    slots.take(done, 'done');
    done.finish();
    expect(slots.inUse).toBe(0);
    const abandoned = new FakeResponse();
    slots.take(abandoned, 'abandoned');
    abandoned.destroy(); // the client went away
    expect(slots.inUse).toBe(0);
    slots.take(new FakeResponse(), 'next');
    expect(slots.inUse).toBe(1);
  });

  it('does not keep a slot for a response that was already gone', () => {
    const slots = new ExportSlots({ limit: 1, timeoutMs: 60_000, logger });
    slots.take(new FakeResponse().destroy(), 'gone');
    expect(slots.inUse).toBe(0);
  });

  it('cuts an export still streaming at its timeout, which frees its slot', () => {
    jest.useFakeTimers();
    const slots = new ExportSlots({ limit: 1, timeoutMs: 5_000, logger });
    const slow = new FakeResponse();
    slots.take(slow, 'GET /v1/ledger ledger-2026-01.csv');
    jest.advanceTimersByTime(4_999);
    expect(slow.destroyed).toBe(false);
    jest.advanceTimersByTime(1);
    expect(slow.destroyed).toBe(true);
    expect(slots.inUse).toBe(0);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringMatching(/ledger-2026-01\.csv: still streaming after 5000 ms \(EXPORT_TIMEOUT_MS\), cut/));
  });

  it('cuts every export in flight at shutdown', () => {
    const slots = new ExportSlots({ limit: 3, timeoutMs: 60_000, logger });
    const responses = [new FakeResponse(), new FakeResponse()];
    for (const r of responses) slots.take(r, 'x');
    expect(slots.cutAll()).toBe(2);
    expect(responses.every((r) => r.destroyed)).toBe(true);
    expect(slots.inUse).toBe(0);
  });
});
