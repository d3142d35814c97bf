import { ArgumentsHost, BadRequestException, NotFoundException } from '@nestjs/common';
import { firstValueFrom, isObservable } from 'rxjs';
import { QueryFailedError } from 'typeorm';
import { ApiExceptionFilter } from './api-exception.filter';
import { ApiException, ApiExceptionCode, httpStatusOf } from './api.exception';

function httpHost(path: string) {
  const response = {
    headersSent: false,
    statusCode: 0,
    body: undefined as unknown,
    headers: {} as Record<string, string>,
    destroyed: false,
    status(code: number) { this.statusCode = code; return this; },
    json(body: unknown) { this.body = body; return this; },
    setHeader(name: string, value: string) { this.headers[name] = value; },
    destroy() { this.destroyed = true; },
  };
  const host = {
    getType: () => 'http',
    switchToHttp: () => ({ getResponse: () => response, getRequest: () => ({ path, method: 'GET' }) }),
    getArgs: () => [{ path }, response],
    getArgByIndex: (i: number) => [{ path }, response][i],
  } as unknown as ArgumentsHost;
  return { host, response };
}

describe('ApiExceptionFilter', () => {
  const filter = new ApiExceptionFilter();

  it('writes the API error body for /v1 requests, naming the code', () => {
    const { host, response } = httpHost('/v1/ledger');
    filter.catch(ApiException.invalid('period', 'period must be YYYY-MM'), host);
    expect(response.statusCode).toBe(400);
    expect(response.body).toEqual({ statusCode: 400, code: 'INVALID_INPUT', message: 'period must be YYYY-MM', fields: ['period'] });
  });

  it("maps Nest's HTTP errors (malformed JSON, unknown route) by status", () => {
    const bad = httpHost('/v1/adjustments');
    filter.catch(new BadRequestException('Unexpected end of JSON input'), bad.host);
    expect(bad.response.body).toEqual({ statusCode: 400, code: 'INVALID_INPUT', message: 'Unexpected end of JSON input' });
    const missing = httpHost('/V1/nothing');
    filter.catch(new NotFoundException('Cannot GET /V1/nothing'), missing.host);
    expect(missing.response.body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
  });

  it('asks for Bearer on 401 and hides unexpected errors behind a 500', () => {
    const unauthenticated = httpHost('/v1/payouts');
    filter.catch(new ApiException(ApiExceptionCode.UNAUTHENTICATED, 'a known API key is required'), unauthenticated.host);
    expect(unauthenticated.response.headers['WWW-Authenticate']).toBe('Bearer');
    const crash = httpHost('/v1/payouts');
    jest.spyOn((filter as unknown as { logger: { error: () => void } }).logger, 'error').mockImplementation(() => undefined);
    filter.catch(new Error('secret detail'), crash.host);
    expect(crash.response.body).toEqual({ statusCode: 500, code: 'INTERNAL', message: 'internal error' });
  });

  it('answers 429 TOO_MANY_EXPORTS with Retry-After', () => {
    const { host, response } = httpHost('/v1/ledger');
    filter.catch(new ApiException(ApiExceptionCode.TOO_MANY_EXPORTS, '4 exports are already running', { limit: 4, retryAfterSeconds: 5 }), host);
    expect(response.statusCode).toBe(429);
    expect(response.headers['Retry-After']).toBe('5');
    expect(response.body).toEqual({ statusCode: 429, code: 'TOO_MANY_EXPORTS', message: '4 exports are already running', limit: 4, retryAfterSeconds: 5 });
  });

  it('answers 503 with Retry-After when the database times out or is away, naming the bound and not the driver', () => {
    jest.spyOn((filter as unknown as { logger: { warn: () => void } }).logger, 'warn').mockImplementation(() => undefined);
    const failures: [unknown, string, RegExp][] = [
      [new QueryFailedError('SELECT 1', [], Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' })), 'DATABASE_TIMEOUT', /API_STATEMENT_TIMEOUT_MS/],
      [Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' }), 'DATABASE_TIMEOUT', /API_LOCK_TIMEOUT_MS/],
      [new Error('timeout exceeded when trying to connect'), 'DATABASE_TIMEOUT', /no database connection/],
      [Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:5432 (user secret_role)'), { code: 'ECONNREFUSED' }), 'DATABASE_UNAVAILABLE', /cannot be reached/],
      [Object.assign(new Error('the database system is shutting down'), { code: '57P01' }), 'DATABASE_UNAVAILABLE', /cannot be reached/],
    ];
    for (const [error, code, message] of failures) {
      const { host, response } = httpHost('/v1/payouts');
      filter.catch(error, host);
      expect(response.statusCode).toBe(503);
      expect(response.headers['Retry-After']).toBe('5');
      expect(response.body).toMatchObject({ statusCode: 503, code, retryAfterSeconds: 5 });
      expect((response.body as { message: string }).message).toMatch(message);
      expect(JSON.stringify(response.body)).not.toMatch(/10\.0\.0\.7|secret_role|canceling/);
    }
    // any other driver error stays a 500
    const other = httpHost('/v1/payouts');
    jest.spyOn((filter as unknown as { logger: { error: () => void } }).logger, 'error').mockImplementation(() => undefined);
    filter.catch(Object.assign(new Error('duplicate key'), { code: '23505' }), other.host);
    expect(other.response.statusCode).toBe(500);
  });

  it('cuts a response that already started streaming', () => {
    const { host, response } = httpHost('/v1/ledger');
    response.headersSent = true;
    jest.spyOn((filter as unknown as { logger: { error: () => void } }).logger, 'error').mockImplementation(() => undefined);
    filter.catch(new Error('connection lost'), host);
    expect(response.destroyed).toBe(true);
    expect(response.body).toBeUndefined();
  });

  it('leaves Kafka handler errors to the default RPC handling (an error observable, so the batch is retried)', async () => {
    const host = { getType: () => 'rpc' } as unknown as ArgumentsHost;
    const result = filter.catch(new Error('database down'), host);
    expect(isObservable(result)).toBe(true);
    await expect(firstValueFrom(result as never)).rejects.toEqual({ status: 'error', message: 'Internal server error' });
  });

  it('maps every code to a 4xx or 5xx status', () => {
    for (const code of Object.values(ApiExceptionCode)) expect(httpStatusOf(code)).toBeGreaterThanOrEqual(400);
  });
});
