import { Controller, Get, HttpCode, HttpException, HttpStatus } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Inject } from '@nestjs/common';
import { KafkaGateway } from '@engine/messaging';
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
  @ApiOperation({ summary: 'Kafka and the database answer (503 otherwise)' })
  async ready() {
    const checks = await Promise.allSettled([within(2000, this.dataSource.query('SELECT 1')), within(3000, this.kafka.ping())]);
    const [database, kafka] = checks.map((c) => (c.status === 'fulfilled' ? 'up' : `down: ${(c.reason as Error).message}`));
    const body = { status: database === 'up' && kafka === 'up' ? 'ok' : 'unavailable', database, kafka };
    if (body.status !== 'ok') throw new HttpException(body, HttpStatus.SERVICE_UNAVAILABLE);
    return body;
  }
}
