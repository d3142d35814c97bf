/**
 * Optional phase timings of the hot path (ENGINE_TRACE=1): where a transaction's time goes, summed and
 * printed every 5 s (ENGINE_TRACE=each: after every transaction). Used to find bottlenecks before optimising;
 * off by default (no cost but a branch).
 */
export class PhaseTimer {
  private readonly totals = new Map<string, { ms: number; count: number }>();
  private timer?: NodeJS.Timeout;

  constructor(
    readonly enabled = process.env.ENGINE_TRACE === '1' || process.env.ENGINE_TRACE === 'each',
    private readonly each = process.env.ENGINE_TRACE === 'each',
  ) {
    if (enabled && !each) {
      this.timer = setInterval(() => this.flush(), 5000);
      this.timer.unref();
    }
  }

  async time<T>(phase: string, work: () => Promise<T>): Promise<T> {
    if (!this.enabled) return work();
    const started = process.hrtime.bigint();
    try {
      return await work();
    } finally {
      this.add(phase, Number(process.hrtime.bigint() - started) / 1e6);
    }
  }

  add(phase: string, ms: number): void {
    this.accumulate(phase, ms);
  }

  /** A quantity that is not a duration (messages, rows): printed without a unit. */
  count(what: string, n: number): void {
    this.accumulate(`#${what}`, n);
  }

  private accumulate(key: string, value: number): void {
    if (!this.enabled) return;
    const total = this.totals.get(key) ?? { ms: 0, count: 0 };
    total.ms += value;
    total.count += 1;
    this.totals.set(key, total);
  }

  /** The end of a transaction. */
  transactionDone(): void {
    if (this.each) this.flush();
  }

  private flush(): void {
    if (this.totals.size === 0) return;
    const parts = [...this.totals].map(([key, t]) => (key.startsWith('#') ? `${key.slice(1)}=${t.ms}/${t.count}` : `${key}=${t.ms.toFixed(0)}ms/${t.count}`));
    const m = process.memoryUsage();
    const mb = (n: number) => Math.round(n / 2 ** 20);
    process.stderr.write(`trace: ${parts.join(' ')} | rss=${mb(m.rss)}MB heap=${mb(m.heapUsed)}/${mb(m.heapTotal)}MB external=${mb(m.external)}MB buffers=${mb(m.arrayBuffers)}MB\n`);
    this.totals.clear();
  }
}

export const phaseTimer = new PhaseTimer();
