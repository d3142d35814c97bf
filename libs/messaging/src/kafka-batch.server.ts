import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { KafkaGateway } from './kafka-gateway';
import { ConsumerLease, InboundBatch, RunningConsumer } from './message';

/** The pattern a controller subscribes to with `@EventPattern(INPUT_BATCH)` to receive whole partition batches. */
export const INPUT_BATCH = 'commission-engine.input-batch';

export interface KafkaBatchServerOptions {
  groupId: string;
  topics: string[];
  partitionsConsumedConcurrently: number;
  maxBytes: number;
  beforeListen?: () => Promise<void>;
  onError?: (error: unknown, attempt: number) => void;
  onRecovered?: () => void;
  onCommitError?: (error: unknown) => void;
}

/**
 * A NestJS custom transport over kafkajs `eachBatch` (the stock Kafka transport consumes one message at a time
 * with auto-commit). One handler call per partition batch, `(batch, lease)`: the handler gets the batch as its
 * payload and the consumer's lease (heartbeats, whether it still holds its partitions) as its context (`@Ctx()`).
 * Offsets are committed after the `applied` it returns resolves. `close()` stops fetching, waits for the batches
 * taken (see `RunningConsumer.stop`) and leaves the group.
 */
export class KafkaBatchServer extends Server implements CustomTransportStrategy {
  private consumer?: RunningConsumer;

  constructor(private readonly gateway: KafkaGateway, private readonly options: KafkaBatchServerOptions) {
    super();
  }

  async listen(callback: (...optionalParams: unknown[]) => void): Promise<void> {
    try {
      await this.options.beforeListen?.();
      this.consumer = await this.gateway.runBatchConsumer({
        groupId: this.options.groupId,
        topics: this.options.topics,
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
        maxBytes: this.options.maxBytes,
        handle: (batch, lease) => this.dispatch(batch, lease),
        onError: this.options.onError,
        onRecovered: this.options.onRecovered,
        onCommitError: this.options.onCommitError,
      });
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Hands the batch to the handler; its result's `applied` (if any) gates the offset commit. */
  private async dispatch(batch: InboundBatch, lease: ConsumerLease): Promise<{ applied: Promise<unknown> }> {
    const handler = this.getHandlerByPattern(INPUT_BATCH);
    if (!handler) throw new Error(`no @EventPattern('${INPUT_BATCH}') handler is registered`);
    let result = await handler(batch, lease);
    if (isObservable(result)) result = await lastValueFrom(result, { defaultValue: undefined });
    const applied = (result as { applied?: Promise<unknown> } | undefined)?.applied;
    return { applied: applied ?? Promise.resolve() };
  }

  async close(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = undefined;
  }

  on(): void {
    // no transport-level events to subscribe to
  }

  unwrap<T>(): T {
    return this.gateway as T;
  }
}
