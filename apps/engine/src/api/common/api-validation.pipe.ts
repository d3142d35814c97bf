import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
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

/** Deeper input is refused before validation: ValidationPipe and class-transformer walk it recursively. */
export const MAX_INPUT_DEPTH = 32;

/** Whether `value` nests objects/arrays deeper than `max` levels (walked without recursion). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** A deeply nested JSON body would overflow the stack in ValidationPipe (a 500): it is a 400 instead. */
class ApiValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (nestedDeeperThan(value, MAX_INPUT_DEPTH)) {
      throw ApiException.invalid(metadata.type, `${metadata.type} is nested deeper than ${MAX_INPUT_DEPTH} levels`);
    }
    return super.transform(value, metadata);
  }
}

/**
 * The API's validation: DTO classes from class-validator, unknown properties refused, and a 400 whose message
 * names every bad field (e.g. "period must be YYYY-MM").
 */
export function apiValidationPipe(): ValidationPipe {
  return new ApiValidationPipe({
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
