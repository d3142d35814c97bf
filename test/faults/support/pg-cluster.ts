import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Client } from 'pg';
import { pollUntil } from '@engine/testing';

/**
 * A PostgreSQL cluster of the fault tests' own (Debian's pg_createcluster), so that stopping and restarting it
 * never touches the shared server on 5432: version 15, name `faults`, port 5544, trust auth on localhost.
 */
export class PgCluster {
  constructor(readonly version = process.env.FAULT_PG_VERSION ?? '15', readonly name = 'faults', readonly port = 5544) {}

  get adminUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  databaseUrl(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  private ctl(...args: string[]): void {
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', this.version, this.name, ...args], { stdio: 'pipe', timeout: 120_000 });
  }

  /** Creates the cluster when it does not exist yet (it is reused otherwise) and starts it. */
  async up(): Promise<void> {
    if (!existsSync(`/etc/postgresql/${this.version}/${this.name}`)) {
      execFileSync('pg_createcluster', [this.version, this.name, '-p', String(this.port), '--', '--auth=trust'], { stdio: 'pipe', timeout: 120_000 });
    }
    if (!(await this.answers())) this.ctl('start');
    await this.waitUp();
  }

  /** Stops the server: `fast` rolls back open transactions and closes connections; `immediate` is a crash. */
  stop(mode: 'fast' | 'immediate' = 'fast'): void {
    this.ctl('stop', '-m', mode);
  }

  async start(): Promise<void> {
    this.ctl('start');
    await this.waitUp();
  }

  async restart(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    this.ctl('restart', '-m', mode);
    await this.waitUp();
  }

  async answers(): Promise<boolean> {
    const client = new Client({ connectionString: this.adminUrl, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private async waitUp(): Promise<void> {
    await pollUntil(() => this.answers(), 60_000, 200, `the ${this.name} cluster on ${this.port}`);
  }

  /** pg_terminate_backend on the engine's connections to `database` (application_name commission-engine). */
  async terminateBackends(database: string): Promise<number> {
    const client = new Client({ connectionString: this.adminUrl, connectionTimeoutMillis: 2000 });
    await client.connect();
    try {
      const { rows } = await client.query(
        `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
          WHERE datname = $1 AND application_name = 'commission-engine'`,
        [database],
      );
      return rows[0].n;
    } finally {
      await client.end();
    }
  }

  /**
   * For `durationMs`, watches the engine's backends of `database` and terminates any caught executing COMMIT
   * (the client cannot know whether the transaction committed). Returns how many COMMITs were cut.
   */
  async cutCommits(database: string, durationMs: number): Promise<{ polls: number; cut: number }> {
    const client = new Client({ connectionString: this.adminUrl, connectionTimeoutMillis: 2000 });
    await client.connect();
    let polls = 0;
    let cut = 0;
    try {
      const until = Date.now() + durationMs;
      while (Date.now() < until) {
        polls++;
        const { rows } = await client.query(
          `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
            WHERE datname = $1 AND application_name = 'commission-engine' AND state = 'active' AND query ILIKE 'COMMIT%'`,
          [database],
        );
        cut += rows[0].n;
      }
    } finally {
      await client.end();
    }
    return { polls, cut };
  }

  /** Drops the cluster (the end of a run that created it; FAULT_PG_KEEP=1 keeps it for the next run). */
  drop(): void {
    if (process.env.FAULT_PG_KEEP === '1') {
      this.stop('fast');
      return;
    }
    execFileSync('pg_dropcluster', ['--stop', this.version, this.name], { stdio: 'pipe', timeout: 120_000 });
  }
}
