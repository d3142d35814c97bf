import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { EngineMetrics } from './engine-metrics';

@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: EngineMetrics) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  @ApiOperation({ summary: 'Prometheus metrics: events per topic, DLQ per code, consumer lag, outbox backlog, batch size and duration' })
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
