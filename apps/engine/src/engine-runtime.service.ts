import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@engine/config';
import { inputTopics } from '@engine/contracts';
import { KafkaGateway } from '@engine/messaging';
import { OutboxRepository } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { DATA_SOURCE } from './engine.tokens';
import { ExpirySweep } from './expiry/expiry-sweep';
import { IngestService } from './ingest/ingest.service';
import { EngineMetrics } from './observability/engine-metrics';
import { OutboxRelay } from './outbox/outbox-relay';

/** The engine's background loops: outbox relay polling, the expiry sweep and lag/backlog gauges. */
@Injectable()
export class EngineRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('EngineRuntime');
  private readonly timers: NodeJS.Timeout[] = [];
  private sweeping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay,
    private readonly sweep: ExpirySweep,
    private readonly kafka: KafkaGateway,
    private readonly metrics: EngineMetrics,
    private readonly ingest: IngestService,
  ) {}

  onApplicationBootstrap(): void {
    this.timers.push(setInterval(() => this.relay.kick(), this.config.outboxPollIntervalMs));
    this.timers.push(setInterval(() => void this.runSweep(), this.config.expirySweepIntervalMs));
    this.timers.push(setInterval(() => void this.refreshGauges(), 5_000));
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

  private async refreshGauges(): Promise<void> {
    try {
      this.metrics.outboxBacklog.set(await new OutboxRepository().backlog(this.dataSource));
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
