import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '@engine/testing';

const run = promisify(execFile);

/**
 * A Kafka broker of the fault tests' own (scripts/kafka-local.sh on 19392, state in /tmp/kafka-faults), so that
 * stopping it never touches the shared broker on 9092.
 */
export class KafkaBroker {
  constructor(readonly port = 19392, readonly controllerPort = 19393, readonly stateDir = '/tmp/kafka-faults') {}

  get brokers(): string[] {
    return [`127.0.0.1:${this.port}`];
  }

  private async script(command: string, env: Record<string, string> = {}): Promise<void> {
    await run('bash', [join(repoRoot(), 'scripts/kafka-local.sh'), command], {
      env: {
        ...process.env, KAFKA_PORT: String(this.port), KAFKA_CONTROLLER_PORT: String(this.controllerPort), KAFKA_STATE_DIR: this.stateDir,
        KAFKA_HEAP_OPTS: '-Xms256m -Xmx512m', KAFKA_LOG_LEVEL: 'WARN', ...env,
      },
      timeout: 180_000,
    });
  }

  /** Starts with an empty data directory (a fresh cluster). */
  async startFresh(): Promise<void> {
    await this.script('start', { KAFKA_FRESH: '1' });
  }

  /** Starts on the data it had (topics, messages and committed offsets survive). */
  async start(): Promise<void> {
    await this.script('start', { KAFKA_FRESH: '0' });
  }

  /** Controlled shutdown (SIGTERM). */
  async stop(): Promise<void> {
    await this.script('stop');
  }

  /** SIGKILL of the broker process: no controlled shutdown, the log is recovered at the next start. */
  async kill(): Promise<void> {
    const pid = Number(readFileSync(join(this.stateDir, 'kafka.pid'), 'utf8').trim());
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`broker pid ${pid} survived SIGKILL`);
  }
}
