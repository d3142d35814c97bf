import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { within } from './within';

/** The payout order statuses (CONTRACT §10), each always exported (0 when there is none). */
const PAYOUT_STATUSES = ['PENDING', 'PAID', 'FAILED'] as const;

/** A scrape waits at most this long for a value read from the database or the broker. */
const SCRAPE_READ_TIMEOUT_MS = 3_000;

/** What some gauges read at each scrape (set by EngineModule; unset, they keep their last value or 0). */
export interface ScrapeSources {
  /** the number of payout orders in each status */
  payoutOrdersByStatus?: () => Promise<Partial<Record<string, number>>>;
  /** whether the database and Kafka answer (what /health/ready says 200 for) */
  ready?: () => Promise<boolean>;
}

/**
 * Prometheus metrics of the engine (served on /metrics). The monitoring pack in docker/monitoring/ (Grafana dashboard,
 * alert rules) uses only names registered here: test/monitoring-pack.spec.ts checks it.
 */
export class EngineMetrics {
  readonly registry = new Registry();
  private sources: ScrapeSources = {};

  readonly consumed = new Counter({ name: 'engine_events_consumed_total', help: 'Input messages consumed, per topic', labelNames: ['topic'], registers: [this.registry] });
  readonly applied = new Counter({ name: 'engine_events_applied_total', help: 'New valid events applied to the rules', registers: [this.registry] });
  readonly duplicates = new Counter({ name: 'engine_duplicates_dropped_total', help: 'Exact duplicates (same source+id and payload) dropped', registers: [this.registry] });
  readonly deadLetters = new Counter({ name: 'engine_dlq_messages_total', help: 'Messages sent to the DLQ, per code', labelNames: ['code'], registers: [this.registry] });
  readonly deadLettersByTopic = new Counter({
    name: 'engine_dead_letters_total', help: 'Dead letters committed (recorded and sent to the DLQ), per source topic and code', labelNames: ['topic', 'code'], registers: [this.registry],
  });
  readonly batchSize = new Histogram({ name: 'engine_batch_size', help: 'Messages per database transaction (partition batches merged)', buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000], registers: [this.registry] });
  readonly batchDuration = new Histogram({ name: 'engine_batch_duration_seconds', help: 'Time to process and commit one batch', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [this.registry] });
  readonly lag = new Gauge({ name: 'engine_consumer_lag', help: 'Consumer group lag per topic', labelNames: ['topic'], registers: [this.registry] });
  readonly outboxBacklog = new Gauge({ name: 'engine_outbox_backlog', help: 'Output events waiting in the outbox', registers: [this.registry] });
  readonly published = new Counter({ name: 'engine_events_published_total', help: 'Output events published, per topic', labelNames: ['topic'], registers: [this.registry] });
  readonly parked = new Counter({ name: 'engine_events_parked_total', help: 'Valid messages parked because applying them kept failing', registers: [this.registry] });
  readonly parkedWaiting = new Gauge({ name: 'engine_parked_events', help: 'Parked messages waiting for a retry (npm run parked -- retry)', registers: [this.registry] });
  readonly batchFailures = new Counter({ name: 'engine_batch_failures_total', help: 'Transaction attempts that failed (then retried, split to isolate the failing messages, or parked)', registers: [this.registry] });
  readonly payoutOrders = new Gauge({
    name: 'engine_payout_orders', help: 'Payout orders per status (read at each scrape)', labelNames: ['status'], registers: [this.registry],
    collect: async () => {
      if (!this.sources.payoutOrdersByStatus) return;
      try {
        const counts = await within(SCRAPE_READ_TIMEOUT_MS, this.sources.payoutOrdersByStatus());
        for (const status of PAYOUT_STATUSES) this.payoutOrders.set({ status }, counts[status] ?? 0);
      } catch {
        // the last values stay; readiness (engine_ready) reports the outage
      }
    },
  });
  readonly ready = new Gauge({
    name: 'engine_ready', help: '1 when the database and Kafka answer (GET /health/ready is 200), else 0 (checked at each scrape)', registers: [this.registry],
    collect: async () => {
      if (!this.sources.ready) return;
      this.ready.set((await within(SCRAPE_READ_TIMEOUT_MS, this.sources.ready()).catch(() => false)) ? 1 : 0);
    },
  });

  constructor() {
    for (const status of PAYOUT_STATUSES) this.payoutOrders.set({ status }, 0);
  }

  /** Where the gauges read at scrape time get their values. */
  readAtScrape(sources: ScrapeSources): this {
    this.sources = sources;
    return this;
  }

  /** One committed transaction: the partition batches it merged (topic, size), and what became of their messages. */
  recordBatch(
    parts: readonly (readonly [string, number])[],
    report: { applied: number; duplicates: number; deadLetters: readonly { topic: string; code: string }[] },
    startedNs: bigint,
  ): void {
    let size = 0;
    for (const [topic, count] of parts) {
      this.consumed.inc({ topic }, count);
      size += count;
    }
    if (report.applied) this.applied.inc(report.applied);
    if (report.duplicates) this.duplicates.inc(report.duplicates);
    for (const { topic, code } of report.deadLetters) {
      this.deadLetters.inc({ code });
      this.deadLettersByTopic.inc({ topic, code });
    }
    this.batchSize.observe(size);
    this.batchDuration.observe(Number(process.hrtime.bigint() - startedNs) / 1e9);
  }
}
