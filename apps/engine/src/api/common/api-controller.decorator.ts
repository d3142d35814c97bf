import { applyDecorators, Controller, SetMetadata, UseFilters, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ApiExceptionFilter } from '../errors/api-exception.filter';
import { apiValidationPipe } from './api-validation.pipe';

/** Marks the controllers of the versioned API: the API key guard enforces access on them (and only on them). */
export const API_V1 = 'api:v1';

/** A controller under /v1: API key required, DTO validation, the API's error format, documented in OpenAPI. */
export function ApiV1Controller(path: string, tag: string): ClassDecorator {
  return applyDecorators(
    Controller(`v1/${path}`.replace(/\/$/, '')),
    SetMetadata(API_V1, true),
    UsePipes(apiValidationPipe()),
    UseFilters(ApiExceptionFilter),
    ApiTags(tag),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'no API key, or an unknown one' }),
    ApiForbiddenResponse({ description: 'the key may not see this (finance-only endpoint, or another partner)' }),
  );
}
