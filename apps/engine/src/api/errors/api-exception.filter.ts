import { ArgumentsHost, Catch, HttpException, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { BaseRpcExceptionFilter } from '@nestjs/microservices';
import { Request, Response } from 'express';
import { ApiException, ApiExceptionCode, codeOfStatus, databaseFailure, httpStatusOf } from './api.exception';

/** The error body of every /v1 endpoint. */
export interface ApiErrorBody {
  statusCode: number;
  code: ApiExceptionCode;
  message: string;
  [detail: string]: unknown;
}

export const isApiPath = (path: string) => /^\/v1(\/|$)/i.test(path);

/**
 * The one place where API failures become HTTP responses: ApiException by its code, Nest's HTTP errors (unknown
 * route, malformed JSON body) by their status, a database that timed out or is away as a 503 with Retry-After
 * (`databaseFailure`), anything else as a logged 500 (never with request headers, so API keys stay out of the logs; the
 * line carries the request's `requestId`, observability/logging.ts).
 * An error whose body has `retryAfterSeconds` (429 TOO_MANY_EXPORTS, the 503s) also gets the `Retry-After` header. A failure after a streamed response has started can only cut the connection, so the
 * client sees a truncated body. Bound globally (body-parser errors only reach global filters); requests outside
 * /v1 and the Kafka handlers keep Nest's default handling.
 */
@Catch()
export class ApiExceptionFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('Api');
  private readonly rpc = new BaseRpcExceptionFilter();

  override catch(exception: unknown, host: ArgumentsHost): unknown {
    if (host.getType() !== 'http') return this.rpc.catch(exception, host);
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    if (!isApiPath(request.path)) return super.catch(exception, host);
    const body = this.toBody(exception, request);
    if (response.headersSent) {
      this.logger.error(`${request.method} ${request.path} failed while streaming: ${(exception as Error)?.message ?? exception}`);
      response.destroy();
      return undefined;
    }
    if (body.statusCode === 401) response.setHeader('WWW-Authenticate', 'Bearer');
    if (typeof body.retryAfterSeconds === 'number') response.setHeader('Retry-After', String(body.retryAfterSeconds));
    response.status(body.statusCode).json(body);
    return undefined;
  }

  private toBody(exception: unknown, request: Request): ApiErrorBody {
    if (exception instanceof ApiException) {
      return { statusCode: httpStatusOf(exception.code), code: exception.code, message: exception.message, ...exception.details };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message = typeof response === 'string' ? response : String((response as { message?: unknown }).message ?? exception.message);
      return { statusCode: status, code: codeOfStatus(status), message };
    }
    // body-parser errors (malformed JSON, too large) carry their status
    const status = (exception as { status?: unknown })?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return { statusCode: status, code: codeOfStatus(status), message: `request body: ${(exception as Error).message}` };
    }
    // the database timed out or is away: 503 with Retry-After, the driver's words to the log only
    const database = databaseFailure(exception);
    if (database) {
      this.logger.warn(`${request.method} ${request.path}: ${database.code}: ${(exception as Error)?.message ?? exception}`);
      return this.toBody(database, request);
    }
    this.logger.error(`${request.method} ${request.path} failed: ${(exception as Error)?.stack ?? exception}`);
    return { statusCode: 500, code: ApiExceptionCode.INTERNAL, message: 'internal error' };
  }
}
