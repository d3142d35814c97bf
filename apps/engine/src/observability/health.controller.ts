import { Controller, Get, HttpCode, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Inject } from '@nestjs/common';
import { KafkaGateway } from '@engine/messaging';
import { ParkedEventRepository } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../engine.tokens';
import { within } from './within';

/**
 * Liveness and readiness. The readiness body says only `up` or `unreachable` per dependency: the error behind it
 * (a driver message naming hosts, ports, users or the database) goes to the log, once per change, never to the caller.
 */
@ApiTags('operations')
@Controller('health')
export class HealthController {
  private readonly logger = new Logger('Health');
  private readonly lastFailure = new Map<string, string>();

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
    const [database, kafka] = checks.map((c, i) => this.state(i === 0 ? 'database' : 'kafka', c));
    const parkedEvents = checks[0].status === 'fulfilled' ? (checks[0].value as number) : null;
    const status = database !== 'up' || kafka !== 'up' ? 'unavailable' : parkedEvents ? 'degraded' : 'ok';
    const body = { status, database, kafka, parkedEvents };
    if (body.status === 'unavailable') throw new HttpException(body, HttpStatus.SERVICE_UNAVAILABLE);
    return body;
  }

  /** `up` or `unreachable`; a failure's reason is logged when it differs from the last one logged. */
  private state(dependency: string, check: PromiseSettledResult<unknown>): 'up' | 'unreachable' {
    if (check.status === 'fulfilled') {
      if (this.lastFailure.delete(dependency)) this.logger.log(`readiness: ${dependency} reachable again`);
      return 'up';
    }
    const reason = String((check.reason as Error)?.message ?? check.reason);
    if (this.lastFailure.get(dependency) !== reason) {
      this.lastFailure.set(dependency, reason);
      this.logger.warn(`readiness: ${dependency} unreachable: ${reason}`);
    }
    return 'unreachable';
  }
}
