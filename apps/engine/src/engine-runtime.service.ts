import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@engine/config';
import { inputTopics } from '@engine/contracts';
import { KafkaGateway } from '@engine/messaging';
import { OutboxRepository, ParkedEventRepository } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { DATA_SOURCE, SHUTDOWN_TIMEOUT_MS } from './engine.tokens';
import { ExpirySweep } from './expiry/expiry-sweep';
import { StatisticsKeeper } from './maintenance/statistics-keeper';
import { BatchScheduler, describeBatches } from './ingest/batch-scheduler';
import { EngineMetrics } from './observability/engine-metrics';
import { OutboxRelay } from './outbox/outbox-relay';
import { Stoppable } from './shutdown';

/** Resolves when `work` settles or `ms` passed; says whether it settled in time. */
async function within(ms: number, work: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    work.then(() => true, () => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms)))),
  ]);
  clearTimeout(timer);
  return settled;
}

/**
 * The engine's background loops (outbox relay polling, the expiry sweep, planner statistics, lag/backlog gauges) and
 * its graceful stop. The stop runs in `beforeApplicationShutdown`, i.e. before Nest disposes of the Kafka transport:
 * the consumer stops fetching, the scheduler finishes what it took, the offsets of everything applied are committed,
 * and only then does the consumer leave its group. `onApplicationShutdown` then closes the rest. The whole stop is
 * bounded by SHUTDOWN_TIMEOUT_MS (the last quarter, at most 5 s, is kept for committing and closing).
 */
@Injectable()
export class EngineRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown, Stoppable {
  private readonly logger = new Logger('EngineRuntime');
  private readonly timers: NodeJS.Timeout[] = [];
  private sweeping: Promise<void> | null = null;
  private analyzing = false;
  private stopStarted = 0;
  private stage = 'running';
  shutdownOutcome: { complete: boolean; summary: string } | null = null;
  private markClosed: () => void = () => undefined;
  readonly closed = new Promise<void>((resolve) => (this.markClosed = resolve));

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(SHUTDOWN_TIMEOUT_MS) private readonly shutdownTimeoutMs: number,
    private readonly relay: OutboxRelay,
    private readonly sweep: ExpirySweep,
    private readonly kafka: KafkaGateway,
    private readonly metrics: EngineMetrics,
    private readonly ingest: BatchScheduler,
  ) {}

  onApplicationBootstrap(): void {
    this.timers.push(setInterval(() => this.relay.kick(), this.config.outboxPollIntervalMs));
    this.timers.push(setInterval(() => void this.runSweep(), this.config.expirySweepIntervalMs));
    this.timers.push(setInterval(() => void this.refreshGauges(), 5_000));
    if (this.config.statisticsIntervalMs > 0) {
      const keeper = new StatisticsKeeper(this.dataSource);
      this.timers.push(setInterval(() => void this.keepStatistics(keeper), this.config.statisticsIntervalMs));
    }
    void this.runSweep();
    this.relay.kick();
  }

  async runSweep(): Promise<void> {
    if (this.sweeping || this.stopStarted) return;
    this.sweeping = (async () => {
      try {
        const swept = await this.sweep.run();
        if (swept > 0) this.logger.log(`expiry sweep re-evaluated ${swept} referral(s)`);
      } catch (error) {
        this.logger.warn(`expiry sweep failed, will retry: ${(error as Error).message}`);
      } finally {
        this.sweeping = null;
      }
    })();
    await this.sweeping;
  }

  private async keepStatistics(keeper: StatisticsKeeper): Promise<void> {
    if (this.analyzing) return;
    this.analyzing = true;
    try {
      const analyzed = await keeper.run();
      if (analyzed.length > 0) this.logger.debug(`analyzed ${analyzed.join(', ')} (grown since the last ANALYZE)`);
    } catch (error) {
      this.logger.warn(`ANALYZE of the hot tables failed, will retry: ${(error as Error).message}`);
    } finally {
      this.analyzing = false;
    }
  }

  private async refreshGauges(): Promise<void> {
    try {
      this.metrics.outboxBacklog.set(await new OutboxRepository().backlog(this.dataSource));
      this.metrics.parkedWaiting.set(await new ParkedEventRepository().countWaiting(this.dataSource));
      const topics = inputTopics(this.config.topics);
      const lag = await this.kafka.lag(this.config.groupId, topics);
      for (const topic of topics) this.metrics.lag.set({ topic }, lag.filter((l) => l.topic === topic).reduce((sum, l) => sum + l.lag, 0));
    } catch {
      // gauges are best effort; readiness reports outages
    }
  }

  /**
   * The graceful stop, before Nest closes the transport: stop fetching (batches fetched and not taken are given back),
   * finish the transactions taken (the one in flight and the queue behind it; an outage is retried), commit the
   * offsets of everything applied, leave the group. What could not be finished in time is named in the outcome.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.stopStarted) return;
    this.stopStarted = Date.now();
    const deadline = this.stopStarted + this.shutdownTimeoutMs;
    const reserve = Math.min(5_000, Math.floor(this.shutdownTimeoutMs / 4)); // for the offsets, the group and the pools
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    this.stage = 'stopping the fetches';
    this.kafka.pauseConsumers();
    this.stage = 'finishing the transactions taken';
    const ingest = await this.ingest.close(deadline - reserve - Date.now());
    this.stage = 'waiting for the expiry sweep';
    const swept = this.sweeping ? await within(deadline - reserve - Date.now(), this.sweeping) : true;
    this.stage = 'committing the offsets of the applied batches';
    const offsets = await this.kafka.drainConsumers(deadline - reserve / 2 - Date.now());
    this.stage = 'leaving the consumer group';
    await this.kafka.stopConsumers(0);
    const left: string[] = [];
    if (ingest.left.inFlight.length > 0) left.push(`the transaction still running holds ${describeBatches(ingest.left.inFlight)}`);
    if (ingest.left.queued.length > 0) left.push(`not started: ${describeBatches(ingest.left.queued)}`);
    if (!swept) left.push('the expiry sweep was still running');
    if (offsets.unsettled > 0 || offsets.uncommitted > 0) left.push(`offsets not committed: ${offsets.unsettled} batch(es) unsettled, ${offsets.uncommitted} offset(s) whose commit was not answered`);
    const done = `${ingest.finished} batch(es) finished and committed while stopping, ${ingest.givenBack} given back unread (read again at the next start)`;
    this.shutdownOutcome = left.length === 0
      ? { complete: true, summary: `drained in ${Date.now() - this.stopStarted} ms: ${done}` }
      : { complete: false, summary: `not drained after ${Date.now() - this.stopStarted} ms (their offsets are not committed: they are read again at the next start, and the event store drops what was applied): ${left.join('; ')}; ${done}` };
    if (this.shutdownOutcome.complete) this.logger.log(this.shutdownOutcome.summary);
    else this.logger.error(this.shutdownOutcome.summary);
    this.stage = 'closing the HTTP server';
  }

  async onApplicationShutdown(): Promise<void> {
    await this.beforeApplicationShutdown(); // a no-op when it ran (Nest calls it first)
    const deadline = this.stopStarted + this.shutdownTimeoutMs;
    this.stage = 'waiting for the outbox relay';
    await within(deadline - 1_000 - Date.now(), this.relay.idle()); // what it does not publish now, the next start does
    this.stage = 'closing the connections';
    await within(deadline - 500 - Date.now(), this.kafka.close());
    // a connection held by a transaction that never answers would keep destroy() waiting: the process exits anyway
    if (this.dataSource.isInitialized) await within(deadline - 250 - Date.now(), this.dataSource.destroy());
    this.stage = 'stopped';
    this.markClosed();
  }

  /** Where the stop is, and the batches the scheduler still holds. */
  shutdownProgress(): string {
    const held = this.ingest.holding();
    const elapsed = this.stopStarted ? `${Date.now() - this.stopStarted} ms after the stop began, ` : '';
    return `${elapsed}${this.stage}; transaction running: ${describeBatches(held.inFlight)}; queued: ${describeBatches(held.queued)}`;
  }
}
