import type { z } from 'zod';
import { parseInput, verifyCsrf } from '../../server/auth';
import { ForbiddenError } from '../../server/core/errors';
import { forbidden, getPrincipal } from './auth.server';

/** The form field (or, for JSON bodies, the header) that carries the CSRF token. */
export const csrfFieldName = 'csrf';
export const csrfHeaderName = 'x-csrf-token';

/** FormData as a plain object: a repeated field becomes an array, a single one a string. */
export function formDataToObject(form: FormData): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(form.keys())) {
    if (key === csrfFieldName) continue;
    const values = form.getAll(key).filter((v): v is string => typeof v === 'string');
    out[key] = values.length === 1 ? values[0]! : values;
  }
  return out;
}

async function readBody(request: Request): Promise<{ data: unknown; token: string | null }> {
  const type = request.headers.get('content-type') ?? '';
  if (type.includes('application/json')) {
    let data: unknown;
    try {
      data = await request.json();
    } catch {
      data = undefined;
    }
    return { data, token: request.headers.get(csrfHeaderName) };
  }
  if (!type) return { data: {}, token: request.headers.get(csrfHeaderName) };
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    return { data: undefined, token: request.headers.get(csrfHeaderName) };
  }
  const token = form.get(csrfFieldName);
  return { data: formDataToObject(form), token: typeof token === 'string' ? token : request.headers.get(csrfHeaderName) };
}

/**
 * Reads a mutation's body (form or JSON), checks CSRF (same origin + the synchronizer token
 * bound to the session; Bearer-token API calls are exempt), then parses it with the schema.
 * A CSRF failure throws a 403 Response; refused input throws InputError with field errors
 * (formAction turns that into 400 data for the form).
 */
export async function parseForm<S extends z.ZodType>(request: Request, schema: S): Promise<z.output<S>> {
  const principal = await getPrincipal(request);
  const { data, token } = await readBody(request);
  try {
    verifyCsrf(request, principal, token);
  } catch (error) {
    if (error instanceof ForbiddenError) throw forbidden(error.message);
    throw error;
  }
  return parseInput(schema, data ?? {});
}
