import { Controller, Get, Header, Headers, Inject, Res, UnauthorizedException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { APP_CONFIG, AppConfig } from '@engine/config';
import { Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { bearerToken } from '../api/auth/api-keys';
import { EngineMetrics } from './engine-metrics';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Prometheus metrics. Public unless METRICS_TOKEN is set; then a scrape needs `Authorization: Bearer <token>`
 * (compared as SHA-256 digests with crypto.timingSafeEqual, like the API keys) and anything else is a 401.
 */
@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  private readonly tokenDigest: Buffer | null;

  constructor(
    private readonly metrics: EngineMetrics,
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'metricsToken'>,
  ) {
    this.tokenDigest = config.metricsToken ? digest(config.metricsToken) : null;
  }

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  @ApiOperation({
    summary: 'Prometheus metrics: events per topic, DLQ per code, consumer lag, outbox backlog, batch size and duration',
    description: 'When METRICS_TOKEN is set, requires `Authorization: Bearer <METRICS_TOKEN>` (401 otherwise).',
  })
  async scrape(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) response: Response): Promise<string> {
    if (this.tokenDigest !== null && !this.admits(authorization)) {
      response.setHeader('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedException('GET /metrics requires Authorization: Bearer <METRICS_TOKEN>');
    }
    return this.metrics.registry.metrics();
  }

  private admits(authorization: string | undefined): boolean {
    const presented = bearerToken(authorization);
    return presented !== null && timingSafeEqual(digest(presented), this.tokenDigest!);
  }
}
