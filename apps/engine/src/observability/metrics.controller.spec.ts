import { UnauthorizedException } from '@nestjs/common';
import { Response } from 'express';
import { EngineMetrics } from './engine-metrics';
import { MetricsController } from './metrics.controller';

const TOKEN = 'metrics-token-0123456789';
const metrics = { registry: { metrics: async () => '# metrics\n' } } as unknown as EngineMetrics;

function response(): Response & { headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  return { headers, setHeader: (name: string, value: string) => { headers[name.toLowerCase()] = value; } } as never;
}

describe('MetricsController', () => {
  it('serves the metrics to anyone when METRICS_TOKEN is not set', async () => {
    const controller = new MetricsController(metrics, { metricsToken: null });
    expect(await controller.scrape(undefined, response())).toBe('# metrics\n');
  });

  it('requires Authorization: Bearer <METRICS_TOKEN> when it is set (401 with WWW-Authenticate otherwise)', async () => {
    const controller = new MetricsController(metrics, { metricsToken: TOKEN });
    expect(await controller.scrape(`Bearer ${TOKEN}`, response())).toBe('# metrics\n');
    for (const header of [undefined, '', TOKEN, `Basic ${TOKEN}`, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, 'Bearer other-token-0123456789']) {
      const res = response();
      await expect(controller.scrape(header, res)).rejects.toBeInstanceOf(UnauthorizedException);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });
});
