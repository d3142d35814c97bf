import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { DynamicModule, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { DestinationStream, Level, Logger as PinoLogger, pino } from 'pino';
import { HttpLogger, pinoHttp, startTime } from 'pino-http';
import { prettyFactory } from 'pino-pretty';
import { AppConfig } from '@engine/config';
import { isApiPath } from '../api/errors/api-exception.filter';

/**
 * The engine's logs: pino, one JSON object a line on stdout (LOG_FORMAT=json, the default), or pino-pretty's lines for
 * people (LOG_FORMAT=pretty, the demo). Every line has `level` (its name), `time` (ISO-8601), `pid`, `hostname`,
 * `msg` and, from Nest's loggers, `context` (`Ingest`, `Api`, `Shutdown`…). Nest logs through nestjs-pino
 * (`createEngineApp`: `bufferLogs`, `app.useLogger`); the ingest's lines add `txId` and `batches`
 * (`ingest/ingest-log.ts`), the API's `requestId` (`createHttpLogger`).
 */

/** The pino level of each of Nest's levels, which LOG_LEVEL names. */
export const PINO_LEVELS: Readonly<Record<string, Level>> = { fatal: 'fatal', error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };

/** Credentials never written, whoever logs an object holding them (the request serializer below keeps no headers at all). */
export const REDACTED_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'headers.authorization', 'headers.cookie', 'authorization', 'password',
];

/** Where log lines go: stdout unless a test passes a stream of its own. */
export type LogDestination = DestinationStream;

/** The root logger of a process: LOG_LEVEL and LOG_FORMAT of `config`, lines written synchronously (none lost at exit). */
export function createRootLogger(config: Pick<AppConfig, 'logLevel' | 'logFormat'>, destination?: LogDestination): PinoLogger {
  const out = destination ?? pino.destination({ dest: 1, sync: true });
  return pino(
    {
      level: PINO_LEVELS[config.logLevel] ?? 'info',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    config.logFormat === 'pretty' ? prettyLines(out, destination === undefined && process.stdout.isTTY === true) : out,
  );
}

/**
 * pino-pretty in this thread (not as a worker transport, so that the last lines before an exit are never lost): one
 * line each, `HH:MM:ss.l LEVEL (pid): [context] message {fields}`.
 */
function prettyLines(out: LogDestination, colorize: boolean): LogDestination {
  const pretty = prettyFactory({
    colorize, translateTime: 'SYS:HH:MM:ss.l', ignore: 'hostname,context,req,res,responseTime', singleLine: true, messageFormat: '{if context}[{context}] {end}{msg}',
  });
  return { write: (line: string) => out.write(pretty(line)) };
}

/** A request id a client may choose: 1–128 characters of letters, digits and `_ . : + / = -`. */
const SANE_REQUEST_ID = /^[\w.:+/=-]{1,128}$/;

/** The request's id: its `X-Request-Id` when sane, else a new UUID; echoed in the response's `X-Request-Id`. */
export function requestIdOf(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

const pathOf = (url: string | undefined) => (url ?? '/').split('?')[0];

/**
 * pino-http, installed first (before the body parser, so that even a refused body gets its id): every request gets a
 * `requestId` (`requestIdOf`) that every line logged while it is handled carries (nestjs-pino binds `req.log` to the
 * request's async context), and each /v1 request one line when it ends (`GET /v1/payouts?period=… 200 in 12 ms`,
 * info; warn for a 5xx, whose cause the exception filter logs). Health, metrics and OpenAPI requests are not logged.
 * No headers are logged: the API keys stay out of the logs.
 */
export function createHttpLogger(root: PinoLogger): HttpLogger {
  return pinoHttp({
    logger: root,
    genReqId: requestIdOf,
    customAttributeKeys: { reqId: 'requestId' },
    quietReqLogger: true,
    autoLogging: { ignore: (req) => !isApiPath(pathOf(req.url)) },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'warn' : 'info'),
    customSuccessMessage: (req, res, ms) => `${req.method} ${req.url} ${res.statusCode} in ${ms} ms`,
    customErrorMessage: (req, res) => `${req.method} ${req.url} ${res.statusCode} in ${Date.now() - (res as unknown as Record<symbol, number>)[startTime]} ms`,
    customErrorObject: (_req, _res, _error, { err: _err, ...line }) => line, // pino-http's "failed with status code" error says nothing
    serializers: {
      req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}

/** nestjs-pino over the root logger and the request logger `createHttpLogger` installed (`useExisting`). */
export function loggerModule(root: PinoLogger): DynamicModule {
  return LoggerModule.forRoot({ pinoHttp: { logger: root }, useExisting: true, forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }] });
}
