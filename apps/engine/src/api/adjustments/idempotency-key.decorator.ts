import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Request } from 'express';
import { ApiException } from '../errors/api.exception';

const VISIBLE_ASCII = /^[\x21-\x7e]{1,200}$/;

/** The required `Idempotency-Key` header: 1–200 visible ASCII characters (400 naming the header otherwise). */
export const IdempotencyKey = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const value = context.switchToHttp().getRequest<Request>().headers['idempotency-key'];
  if (value === undefined || value === '') throw ApiException.invalid('Idempotency-Key', 'Idempotency-Key header is required');
  if (typeof value !== 'string' || !VISIBLE_ASCII.test(value)) {
    throw ApiException.invalid('Idempotency-Key', 'Idempotency-Key must be 1-200 visible ASCII characters');
  }
  return value;
});
