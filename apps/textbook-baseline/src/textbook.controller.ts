import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext, Payload } from '@nestjs/microservices';
import { loadConfig } from '@engine/config';
import { BatchScheduler } from '../../engine/src/ingest/batch-scheduler';

// @EventPattern needs the topic names when the class is declared.
const { topics } = loadConfig();

/**
 * The textbook design: Nest's own Kafka transport calls one handler per message, and the handler runs one
 * database transaction for it (the engine's rules, event store, ledger and outbox, unchanged) before the next
 * message of the partition is handed over.
 */
@Controller()
export class TextbookController {
  constructor(private readonly ingest: BatchScheduler) {}

  @EventPattern(topics.referrals)
  onReferral(@Payload() value: Buffer, @Ctx() context: KafkaContext): Promise<unknown> {
    return this.handle(value, context);
  }

  @EventPattern(topics.lifecycle)
  onLifecycle(@Payload() value: Buffer, @Ctx() context: KafkaContext): Promise<unknown> {
    return this.handle(value, context);
  }

  @EventPattern(topics.billing)
  onBilling(@Payload() value: Buffer, @Ctx() context: KafkaContext): Promise<unknown> {
    return this.handle(value, context);
  }

  @EventPattern(topics.partners)
  onPartner(@Payload() value: Buffer, @Ctx() context: KafkaContext): Promise<unknown> {
    return this.handle(value, context);
  }

  @EventPattern(topics.payouts)
  onPayout(@Payload() value: Buffer, @Ctx() context: KafkaContext): Promise<unknown> {
    return this.handle(value, context);
  }

  private handle(value: Buffer, context: KafkaContext): Promise<unknown> {
    const message = context.getMessage();
    const key = message.key == null ? null : Buffer.from(String(message.key));
    return this.ingest.handleBatch({
      topic: context.getTopic(),
      partition: context.getPartition(),
      highWatermark: message.offset,
      messages: [{ topic: context.getTopic(), partition: context.getPartition(), offset: message.offset, key, value, timestamp: message.timestamp, headers: {} }],
    });
  }
}
