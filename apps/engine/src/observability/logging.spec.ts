import { IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
import { capturedLogs as captured } from '@engine/testing';
import { createRootLogger, requestIdOf } from './logging';

describe('createRootLogger', () => {
  it('writes one JSON object a line, with the level by name, an ISO time, the pid and the fields', () => {
    const out = captured();
    createRootLogger({ logLevel: 'log', logFormat: 'json' }, out).warn({ context: 'Ingest', txId: 'ab12cd-1' }, 'transaction of 3 message(s) failed');
    expect(out.lines).toHaveLength(1);
    const [line] = out.json();
    expect(line).toMatchObject({ level: 'warn', pid: process.pid, context: 'Ingest', txId: 'ab12cd-1', msg: 'transaction of 3 message(s) failed' });
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("maps LOG_LEVEL (Nest's names) to pino's levels", () => {
    const levels = ['trace', 'debug', 'info', 'warn', 'error'] as const;
    const written = (logLevel: string) => {
      const out = captured();
      const logger = createRootLogger({ logLevel, logFormat: 'json' }, out);
      for (const level of levels) logger[level](level);
      return out.json().map((l) => l.level);
    };
    expect(written('error')).toEqual(['error']);
    expect(written('warn')).toEqual(['warn', 'error']);
    expect(written('log')).toEqual(['info', 'warn', 'error']);
    expect(written('debug')).toEqual(['debug', 'info', 'warn', 'error']);
    expect(written('verbose')).toEqual(['trace', 'debug', 'info', 'warn', 'error']);
  });

  it('never writes an authorization header or a cookie', () => {
    const out = captured();
    const logger = createRootLogger({ logLevel: 'log', logFormat: 'json' }, out);
    logger.info({ req: { headers: { authorization: 'Bearer fin-key-0123456789', cookie: 's=1', accept: 'text/csv' } } }, 'a request');
    logger.info({ headers: { authorization: 'Bearer fin-key-0123456789' } }, 'headers');
    expect(out.lines.join('\n')).not.toContain('fin-key-0123456789');
    expect(out.json()[0]).toMatchObject({ req: { headers: { authorization: '[redacted]', cookie: '[redacted]', accept: 'text/csv' } } });
  });

  it('LOG_FORMAT=pretty: one line for people, with the level, the context and the fields', () => {
    const out = captured();
    createRootLogger({ logLevel: 'log', logFormat: 'pretty' }, out).warn({ context: 'Ingest', txId: 'ab12cd-1' }, 'transaction of 3 message(s) failed');
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN \(\d+\): \[Ingest\] transaction of 3 message\(s\) failed \{"txId":"ab12cd-1"\}$/);
  });

  it("is what Nest's loggers write through once nestjs-pino is the application's logger: an object's keys become fields", () => {
    const out = captured();
    const root = createRootLogger({ logLevel: 'debug', logFormat: 'json' }, out);
    Logger.overrideLogger(new NestPinoLogger(new PinoLogger({ pinoHttp: { logger: root } }), {}));
    try {
      new Logger('Ingest').debug({ txId: 'ab12cd-2', batches: [{ topic: 't', partition: 0, fromOffset: '5', toOffset: '9' }] }, 'transaction committed');
      new Logger('Api').warn('GET /v1/ledger: DATABASE_TIMEOUT');
    } finally {
      Logger.overrideLogger(true); // back to Nest's default
    }
    expect(out.json()).toEqual([
      expect.objectContaining({
        level: 'debug', context: 'Ingest', txId: 'ab12cd-2', batches: [{ topic: 't', partition: 0, fromOffset: '5', toOffset: '9' }], msg: 'transaction committed',
      }),
      expect.objectContaining({ level: 'warn', context: 'Api', msg: 'GET /v1/ledger: DATABASE_TIMEOUT' }),
    ]);
  });
});

describe('requestIdOf', () => {
  const exchange = (header?: string | string[]) => {
    const res = { headers: {} as Record<string, string>, setHeader(name: string, value: string) { this.headers[name.toLowerCase()] = value; } };
    const id = requestIdOf({ headers: header === undefined ? {} : { 'x-request-id': header } } as unknown as IncomingMessage, res as unknown as ServerResponse);
    return { id, echoed: res.headers['x-request-id'] };
  };
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it("keeps a sane X-Request-Id and echoes it", () => {
    expect(exchange('req-2026.11.01:42_a/b+c=')).toEqual({ id: 'req-2026.11.01:42_a/b+c=', echoed: 'req-2026.11.01:42_a/b+c=' });
  });

  it('gives a new UUID to a request without one, or with one that is empty, too long, repeated or has other characters', () => {
    for (const header of [undefined, '', 'x'.repeat(129), ['a', 'b'], 'has space', 'new\nline', '{"json":1}', 'ünïcode']) {
      const { id, echoed } = exchange(header);
      expect(id).toMatch(UUID);
      expect(echoed).toBe(id);
    }
  });
});
