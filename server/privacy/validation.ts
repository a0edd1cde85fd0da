import type { z } from 'zod';
import { InputError, NotFoundError } from '../core/errors';
import { issueMessage, privacyMessages } from './messages';

/**
 * Parses input with a schema; refusal becomes an InputError naming each field (path joined
 * by dots) with message keys the pages translate (see messages.ts).
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.join('.') || 'form';
    (fieldErrors[key] ??= []).push(issueMessage(issue));
  }
  throw new InputError(privacyMessages.invalidInput, fieldErrors);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Throws NotFoundError for an id that cannot exist (not a UUID), before it reaches SQL. */
export function requireUuid(id: string, what: string): string {
  if (!UUID.test(id)) throw new NotFoundError(`No such ${what}.`);
  return id;
}
