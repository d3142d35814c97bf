import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { INPUT_BATCH, InboundBatch } from '@engine/messaging';
import { IngestService } from './ingest.service';

/** The Kafka worker's entry point: one call per consumed partition batch (see KafkaBatchServer). */
@Controller()
export class IngestController {
  constructor(private readonly ingest: IngestService) {}

  @EventPattern(INPUT_BATCH)
  async onBatch(@Payload() batch: InboundBatch): Promise<void> {
    await this.ingest.handleBatch(batch);
  }
}
