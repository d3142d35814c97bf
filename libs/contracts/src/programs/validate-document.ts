import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync, ValidatorOptions } from 'class-validator';
import { ProgramDocumentDto, ProgramsFileDto, ProgramVersionDocumentDto } from './program-document.dto';

/** The options of the API's validation pipe: unknown properties refused, the first failed constraint of each field. */
export const DOCUMENT_VALIDATION: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  stopAtFirstError: true,
  validationError: { target: false, value: false },
};

/** A refused field: its path (`versions.0.terms.baseRateBps`) and a message that names it. */
export interface DocumentProblem {
  field: string;
  message: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; problems: DocumentProblem[] };

/** Every failed constraint, with nested fields written as a.b.0.c and messages naming that path. */
export function documentProblems(errors: ValidationError[], parent = ''): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) {
      problems.push({ field, message: message.startsWith(error.property) ? `${field}${message.slice(error.property.length)}` : `${field}: ${message}` });
    }
    problems.push(...documentProblems(error.children ?? [], field));
  }
  return problems;
}

/** Validates a parsed JSON value against a document DTO with the API's options (outside Nest: the file import, tests). */
export function validateDocument<T extends object>(cls: new () => T, plain: unknown): Validated<T> {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) return { ok: false, problems: [{ field: '', message: 'must be a JSON object' }] };
  const value = plainToInstance(cls, plain);
  const errors = validateSync(value, DOCUMENT_VALIDATION);
  return errors.length === 0 ? { ok: true, value } : { ok: false, problems: documentProblems(errors) };
}

export const validateProgramDocument = (plain: unknown) => validateDocument(ProgramDocumentDto, plain);
export const validateProgramVersionDocument = (plain: unknown) => validateDocument(ProgramVersionDocumentDto, plain);
export const validateProgramsFile = (plain: unknown) => validateDocument(ProgramsFileDto, plain);
