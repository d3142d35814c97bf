import { INestApplication } from '@nestjs/common';
import { ConfigError } from '@engine/config';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, exitOnShutdownSignals, shutdownTimeoutMs, Stoppable } from './shutdown';

describe('SHUTDOWN_TIMEOUT_MS', () => {
  it('defaults, and accepts whole milliseconds from 1 s to 10 min', () => {
    expect(shutdownTimeoutMs({})).toBe(DEFAULT_SHUTDOWN_TIMEOUT_MS);
    expect(shutdownTimeoutMs({ SHUTDOWN_TIMEOUT_MS: '' })).toBe(DEFAULT_SHUTDOWN_TIMEOUT_MS);
    expect(shutdownTimeoutMs({ SHUTDOWN_TIMEOUT_MS: '1000' })).toBe(1000);
    expect(shutdownTimeoutMs({ SHUTDOWN_TIMEOUT_MS: '600000' })).toBe(600_000);
  });

  it.each(['999', '600001', '-5', '3.5', '30s', 'abc'])('refuses %s, naming the variable', (value) => {
    expect(() => shutdownTimeoutMs({ SHUTDOWN_TIMEOUT_MS: value })).toThrow(ConfigError);
    expect(() => shutdownTimeoutMs({ SHUTDOWN_TIMEOUT_MS: value })).toThrow(/SHUTDOWN_TIMEOUT_MS/);
  });
});

describe('exitOnShutdownSignals', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** An app whose close() takes `closeMs` and then leaves `outcome`; the exit codes it asked for. */
  function world(closeMs: number, outcome: Stoppable['shutdownOutcome']) {
    let markClosed: () => void = () => undefined;
    const engine: Stoppable & { shutdownOutcome: Stoppable['shutdownOutcome'] } = {
      shutdownProgress: () => 'finishing the transactions taken; transaction running: 1 batch(es)',
      shutdownOutcome: null,
      closed: new Promise<void>((resolve) => (markClosed = resolve)),
    };
    let closes = 0;
    const app = {
      close: async () => {
        closes++;
        await sleep(closeMs);
        engine.shutdownOutcome = outcome;
        markClosed();
      },
    } as unknown as INestApplication;
    const exits: number[] = [];
    return { app, engine, exits, closes: () => closes, close: () => app.close() };
  }

  const listeners = () => process.listenerCount('SIGTERM');
  const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
  let existing = new Map<string, Function[]>();
  beforeEach(() => {
    existing = new Map(SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  });
  /** Removes the listeners a test added (never jest's own). */
  afterEach(() => {
    for (const signal of SIGNALS) {
      for (const listener of process.listeners(signal)) if (!existing.get(signal)!.includes(listener)) process.removeListener(signal, listener as () => void);
    }
  });

  it('exits 0 once the app closed with nothing left, however many signals come', async () => {
    const before = listeners();
    const w = world(30, { complete: true, summary: 'drained' });
    exitOnShutdownSignals(w.app, w.engine, 1_000, (code) => w.exits.push(code));
    process.emit('SIGTERM', 'SIGTERM');
    process.emit('SIGTERM', 'SIGTERM'); // a second signal changes nothing
    await sleep(100);
    expect(w.exits).toEqual([0]);
    expect(w.closes()).toBe(1);
    expect(listeners()).toBe(before + 1); // still there: the process is about to exit
  });

  it('exits 1 when the stop left work', async () => {
    const left = world(10, { complete: false, summary: 'not drained' });
    exitOnShutdownSignals(left.app, left.engine, 1_000, (code) => left.exits.push(code));
    process.emit('SIGTERM', 'SIGTERM');
    await sleep(60);
    expect(left.exits).toEqual([1]);
  });

  it('exits 1 at the bound when close() does not end', async () => {
    const stuck = world(300, null);
    exitOnShutdownSignals(stuck.app, stuck.engine, 50, (code) => stuck.exits.push(code));
    process.emit('SIGINT', 'SIGINT');
    await sleep(120);
    expect(stuck.exits).toEqual([1]);
    await sleep(250); // close() ends late: no second exit
    expect(stuck.exits).toEqual([1]);
  });

  it('removes its listeners when the app is closed by code (tests start many apps in one process)', async () => {
    const before = listeners();
    const w = world(0, { complete: true, summary: 'drained' });
    exitOnShutdownSignals(w.app, w.engine, 1_000, (code) => w.exits.push(code));
    expect(listeners()).toBe(before + 1);
    await w.close();
    await sleep(0);
    expect(listeners()).toBe(before);
    expect(w.exits).toEqual([]);
  });
});
