import { Controller, Get, HttpCode, HttpException, HttpStatus } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Inject } from '@nestjs/common';
import { KafkaGateway } from '@engine/messaging';
import { ParkedEventRepository } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../engine.tokens';

async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms); });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource, private readonly kafka: KafkaGateway) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up' })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HttpCode(200)
  @ApiOperation({ summary: 'Kafka and the database answer (503 otherwise); parked events make the status "degraded" (still 200: everything else is applied)' })
  async ready() {
    const parked = within(2000, new ParkedEventRepository().countWaiting(this.dataSource));
    const checks = await Promise.allSettled([parked, within(3000, this.kafka.ping())]);
    const [database, kafka] = checks.map((c) => (c.status === 'fulfilled' ? 'up' : `down: ${(c.reason as Error).message}`));
    const parkedEvents = checks[0].status === 'fulfilled' ? (checks[0].value as number) : null;
    const status = database !== 'up' || kafka !== 'up' ? 'unavailable' : parkedEvents ? 'degraded' : 'ok';
    const body = { status, database, kafka, parkedEvents };
    if (body.status === 'unavailable') throw new HttpException(body, HttpStatus.SERVICE_UNAVAILABLE);
    return body;
  }
}
