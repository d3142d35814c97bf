import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ConsumerLease, INPUT_BATCH, InboundBatch } from '@engine/messaging';
import { BatchScheduler } from './batch-scheduler';

/** The Kafka worker's entry point: one call per consumed partition batch (see KafkaBatchServer). */
@Controller()
export class IngestController {
  constructor(private readonly scheduler: BatchScheduler) {}

  /**
   * Returns once the batch is queued; `applied` settles when it is committed (then its offset is committed). The
   * lease lets the scheduler heartbeat the consumer while it holds the batch.
   */
  @EventPattern(INPUT_BATCH)
  async onBatch(@Payload() batch: InboundBatch, @Ctx() lease: ConsumerLease): Promise<{ applied: Promise<unknown> }> {
    return this.scheduler.accept(batch, lease);
  }
}
