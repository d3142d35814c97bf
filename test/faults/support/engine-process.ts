import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ENGINE_NODE_FLAGS } from '@engine/config';
import { pollUntil, repoRoot } from '@engine/testing';

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export const LOG_DIR = join(repoRoot(), 'out', 'faults', 'logs');

/**
 * The engine as the operator runs it (`node <ENGINE_NODE_FLAGS> -r scripts/register-paths.js dist/apps/engine/src/main.js`, after
 * `npm run build`), so that a fault can be a real SIGKILL of a real process. Its output goes to
 * out/faults/logs/<name>.log; lines are also counted so that tests can quote how often a batch was retried.
 */
export class EngineProcess {
  private child?: ChildProcess;
  private log?: WriteStream;
  private tail: string[] = [];
  private starts = 0;
  port = 0;
  /** 'batch failed (attempt n)' and 'transaction of k message(s) failed (attempt n)' warnings seen over every incarnation */
  batchRetries = 0;
  /** every incarnation's exit: signal or code */
  readonly exits: string[] = [];

  constructor(readonly name: string, private readonly env: Record<string, string>) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The last lines the process printed (for failure messages). */
  recentOutput(lines = 40): string {
    return this.tail.slice(-lines).join('\n');
  }

  /** Spawns the engine and waits until /health/live answers (the Kafka consumer is running by then). */
  async start(): Promise<void> {
    if (this.alive) throw new Error(`${this.name} is already running`);
    this.starts++;
    this.port = await freePort();
    if (!this.log) {
      mkdirSync(LOG_DIR, { recursive: true });
      this.log = createWriteStream(join(LOG_DIR, `${this.name}.log`), { flags: 'w' });
    }
    this.log.write(`\n===== start #${this.starts} at ${new Date().toISOString()} (port ${this.port})\n`);
    const root = repoRoot();
    const child = spawn(process.execPath, [...ENGINE_NODE_FLAGS, '-r', join(root, 'scripts/register-paths.js'), join(root, 'dist/apps/engine/src/main.js')], {
      env: { ...process.env, LOG_LEVEL: 'warn', ...this.env, HTTP_PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const log = this.log;
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      log.write(text);
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        this.tail.push(line);
        if (/(batch|transaction)( of \d+ message\(s\))? failed \(attempt \d+\)/.test(line)) this.batchRetries++;
      }
      if (this.tail.length > 400) this.tail.splice(0, this.tail.length - 200);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code, signal) => {
      this.exits.push(signal ?? `exit ${code}`);
      log.write(`===== exited: ${signal ?? `code ${code}`} at ${new Date().toISOString()}\n`);
    });
    await pollUntil(async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${this.name} exited during start:\n${this.recentOutput()}`);
      const response = await fetch(`${this.baseUrl}/health/live`, { signal: AbortSignal.timeout(1000) }).catch(() => null);
      return response?.ok;
    }, 90_000, 100, `${this.name} to answer /health/live`).catch((error) => {
      child.kill('SIGKILL');
      throw error;
    });
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed, the consumer does not leave its group. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM: the graceful shutdown (the in-flight batch commits, the consumer leaves its group). */
  async stop(timeoutMs = 60_000): Promise<void> {
    if (!this.alive) return;
    await this.signal('SIGTERM', timeoutMs).catch(() => this.signal('SIGKILL'));
  }

  /**
   * SIGTERM, and how the process ended: its exit code (null if a signal ended it) or signal, and how long it took.
   * Rejects if it is still running after `timeoutMs` (then SIGKILLs it).
   */
  async terminate(timeoutMs = 60_000): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
    const child = this.child;
    if (!child || !this.alive) throw new Error(`${this.name} is not running`);
    const started = Date.now();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>((resolve) =>
      child.once('close', (code, signal) => resolve({ code, signal, ms: Date.now() - started })), // after its output was read
    );
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        exited,
        new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${this.name} still running ${timeoutMs} ms after SIGTERM`)), timeoutMs); }),
      ]);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async restart(): Promise<void> {
    if (this.alive) await this.kill();
    await this.start();
  }

  private async signal(signal: NodeJS.Signals, timeoutMs = 30_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      exited,
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${this.name} did not exit on ${signal}`)), timeoutMs); }),
    ]).finally(() => clearTimeout(timer));
  }

  /** HTTP status of GET /health/ready (0 when nothing answers). */
  async readiness(): Promise<number> {
    const response = await fetch(`${this.baseUrl}/health/ready`, { signal: AbortSignal.timeout(6000) }).catch(() => null);
    return response?.status ?? 0;
  }

  /** Resident set size now, MB (0 when the process is gone). */
  rssMb(): number {
    try {
      const status = readFileSync(`/proc/${this.child!.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    } catch {
      return 0;
    }
  }

  async dispose(): Promise<void> {
    await this.kill().catch(() => undefined);
    await new Promise<void>((resolve) => (this.log ? this.log.end(() => resolve()) : resolve()));
  }
}
