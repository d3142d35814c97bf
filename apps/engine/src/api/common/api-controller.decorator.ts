import { applyDecorators, Controller, SetMetadata, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { apiValidationPipe } from './api-validation.pipe';

/** Marks the controllers of the versioned API: the API key guard enforces access on them (and only on them). */
export const API_V1 = 'api:v1';

/** A controller under /v1: API key required (ApiKeyGuard), DTO validation, documented in OpenAPI; errors are ApiExceptionFilter's. */
export function ApiV1Controller(path: string, tag: string): ClassDecorator {
  return applyDecorators(
    Controller(`v1/${path}`.replace(/\/$/, '')),
    SetMetadata(API_V1, true),
    UsePipes(apiValidationPipe()),
    ApiTags(tag),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'no API key, or an unknown one' }),
    ApiForbiddenResponse({ description: 'the key may not see this (finance-only endpoint, or another partner)' }),
  );
}
