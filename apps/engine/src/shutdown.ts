import { INestApplication, Logger } from '@nestjs/common';
import { ConfigError } from '@engine/config';

/**
 * How long a graceful stop may take by default (SHUTDOWN_TIMEOUT_MS): below Kubernetes' default grace period (30 s)
 * so that the process names what it left and exits before the orchestrator's SIGKILL. A drain normally takes well
 * under a second; the bound matters when the database does not answer.
 */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 25_000;

/**
 * SHUTDOWN_TIMEOUT_MS, validated at boot like the rest of the environment: a bad value stops the start with a
 * message naming it. (Read here rather than in AppConfig: the graceful stop is the process's business, not the
 * engine's rules.)
 */
export function shutdownTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SHUTDOWN_TIMEOUT_MS;
  if (raw === undefined || raw === '') return DEFAULT_SHUTDOWN_TIMEOUT_MS;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= 1_000 && value <= 600_000)) {
    throw new ConfigError(`invalid environment: SHUTDOWN_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 600000 (got ${JSON.stringify(raw)})`);
  }
  return value;
}

/** What the process needs from the engine to stop: its account of the stop, live and at the end. */
export interface Stoppable {
  /** where the stop is and what it still holds (for the message of a stop that ran out of time) */
  shutdownProgress(): string;
  /** set once the graceful stop ran: `complete` false when something was left undone */
  readonly shutdownOutcome: { complete: boolean; summary: string } | null;
  /** resolves once the application closed (by a signal or by `app.close()`) */
  readonly closed: Promise<void>;
}

export const SHUTDOWN_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/**
 * SIGTERM (SIGINT, SIGHUP): the graceful stop, bounded. `app.close()` runs the engine's drain first (before Nest
 * disposes of the transport and the HTTP server: `EngineRuntime.beforeApplicationShutdown`), then closes the rest.
 * The process exits 0 when everything taken was applied and its offsets committed, 1 when something was left (named
 * in the log), and 1 after `timeoutMs` whatever is still running, naming where the stop was. A second signal while
 * stopping changes nothing (the bound holds). The listeners are removed when the application is closed by code.
 */
export function exitOnShutdownSignals(app: INestApplication, engine: Stoppable, timeoutMs: number, exit: (code: number) => void = (code) => process.exit(code)): void {
  const logger = new Logger('Shutdown');
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn(`${signal} again: still stopping (bound ${timeoutMs} ms): ${engine.shutdownProgress()}`);
      return;
    }
    stopping = true;
    const started = Date.now();
    logger.log(`${signal}: stopping within ${timeoutMs} ms: no more fetches, the transactions in flight finish and their offsets are committed`);
    let exited = false;
    const finish = (code: number, message?: string) => {
      if (exited) return; // the bound fired first
      exited = true;
      clearTimeout(bound);
      if (message) logger.error(message);
      exit(code);
    };
    const bound = setTimeout(() => finish(1, `shutdown did not finish within ${timeoutMs} ms, exiting with 1: ${engine.shutdownProgress()}`), timeoutMs);
    app.close().then(
      () => {
        const outcome = engine.shutdownOutcome;
        if (outcome && !outcome.complete) finish(1, `stopped after ${Date.now() - started} ms with work left, exiting with 1: ${outcome.summary}`);
        else finish(0);
      },
      (error) => finish(1, `shutdown failed after ${Date.now() - started} ms, exiting with 1: ${(error as Error).stack ?? error}`),
    );
  };
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onSignal);
  void engine.closed.then(() => {
    if (!stopping) for (const signal of SHUTDOWN_SIGNALS) process.removeListener(signal, onSignal);
  });
}
