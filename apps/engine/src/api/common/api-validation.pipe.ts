import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ApiException } from '../errors/api.exception';

/** "field must be …" messages of every failed constraint, with nested fields written as a.b. */
export function validationMessages(errors: ValidationError[], parent = ''): { fields: string[]; messages: string[] } {
  const fields: string[] = [];
  const messages: string[] = [];
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const constraints = Object.values(error.constraints ?? {});
    if (constraints.length > 0) {
      fields.push(path);
      // class-validator names nested properties by their own name only; say the full path.
      messages.push(...constraints.map((m) => (parent && m.startsWith(error.property) ? `${path}${m.slice(error.property.length)}` : m)));
    }
    const nested = validationMessages(error.children ?? [], path);
    fields.push(...nested.fields);
    messages.push(...nested.messages);
  }
  return { fields, messages };
}

/**
 * The API's validation: DTO classes from class-validator, unknown properties refused, and a 400 whose message
 * names every bad field (e.g. "period must be YYYY-MM").
 */
export function apiValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const { fields, messages } = validationMessages(errors);
      return ApiException.invalid(fields, messages.join('; ') || 'invalid request');
    },
  });
}
