import { HttpException, Logger } from '@nestjs/common';
import { KafkaGateway } from '@engine/messaging';
import { DataSource } from 'typeorm';
import { HealthController } from './health.controller';

const DRIVER_ERROR = 'password authentication failed for user "commission_engine" at db.internal:5432';
const BROKER_ERROR = 'Connection error: connect ECONNREFUSED 10.1.2.3:9092';

function controller(database: () => Promise<unknown>, kafka: () => Promise<void>): HealthController {
  return new HealthController({ query: database } as unknown as DataSource, { ping: kafka } as unknown as KafkaGateway);
}

async function readiness(health: HealthController): Promise<{ status: number; body: unknown }> {
  try {
    return { status: 200, body: await health.ready() };
  } catch (error) {
    if (!(error instanceof HttpException)) throw error;
    return { status: error.getStatus(), body: error.getResponse() };
  }
}

describe('HealthController readiness', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('is ok with both dependencies up', async () => {
    expect(await readiness(controller(async () => [{ n: 0 }], async () => undefined))).toEqual({
      status: 200, body: { status: 'ok', database: 'up', kafka: 'up', parkedEvents: 0 },
    });
  });

  it('answers 503 naming the unreachable dependency, without the driver error text', async () => {
    const health = controller(async () => { throw new Error(DRIVER_ERROR); }, async () => { throw new Error(BROKER_ERROR); });
    const answer = await readiness(health);
    expect(answer).toEqual({ status: 503, body: { status: 'unavailable', database: 'unreachable', kafka: 'unreachable', parkedEvents: null } });
    const text = JSON.stringify(answer.body);
    for (const leak of ['password', 'commission_engine', 'db.internal', '5432', 'ECONNREFUSED', '10.1.2.3', '9092']) expect(text).not.toContain(leak);
  });

  it('says unreachable for one dependency while the other is up', async () => {
    const answer = await readiness(controller(async () => [{ n: 3 }], async () => { throw new Error(BROKER_ERROR); }));
    expect(answer).toEqual({ status: 503, body: { status: 'unavailable', database: 'up', kafka: 'unreachable', parkedEvents: 3 } });
  });
});
