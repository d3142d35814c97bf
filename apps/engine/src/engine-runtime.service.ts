import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@engine/config';
import { inputTopics } from '@engine/contracts';
import { KafkaGateway } from '@engine/messaging';
import { OutboxRepository, ParkedEventRepository } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { DATA_SOURCE } from './engine.tokens';
import { ExpirySweep } from './expiry/expiry-sweep';
import { StatisticsKeeper } from './maintenance/statistics-keeper';
import { BatchScheduler } from './ingest/batch-scheduler';
import { EngineMetrics } from './observability/engine-metrics';
import { OutboxRelay } from './outbox/outbox-relay';

/** The engine's background loops: outbox relay polling, the expiry sweep, planner statistics and lag/backlog gauges. */
@Injectable()
export class EngineRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('EngineRuntime');
  private readonly timers: NodeJS.Timeout[] = [];
  private sweeping = false;
  private analyzing = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
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
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const swept = await this.sweep.run();
      if (swept > 0) this.logger.log(`expiry sweep re-evaluated ${swept} referral(s)`);
    } catch (error) {
      this.logger.warn(`expiry sweep failed, will retry: ${(error as Error).message}`);
    } finally {
      this.sweeping = false;
    }
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

  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.kafka.pauseConsumers(); // no new batches; those taken are applied and their offsets committed
    await this.ingest.idle(15_000);
    await new Promise((resolve) => setTimeout(resolve, 100)); // offset commits follow the database commit
    await this.kafka.stopConsumers();
    await this.ingest.close();
    await this.relay.idle();
    await this.kafka.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
