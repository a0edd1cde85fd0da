import type { z } from 'zod';
import { type FieldErrors, InputError } from '../core/errors';
import { gpuMessages } from './messages';

/** Parses with a schema; refused input becomes InputError with a message per field. */
export function parseGpuInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fieldErrors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path.length > 0 ? String(issue.path[0]) : '_form';
    (fieldErrors[field] ??= []).push(issue.message);
  }
  throw new InputError(gpuMessages.invalidInput, fieldErrors);
}
