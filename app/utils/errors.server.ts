import { json } from '@remix-run/node';
import { type FieldErrors, isAppError } from '../../server/core/errors';

/** What an action returns when the input was refused; forms render it next to the fields. */
export interface ActionErrorData {
  ok: false;
  formError: string;
  fieldErrors: FieldErrors;
}

/** Turns a typed server error into a Response (JSON body `{ error, fieldErrors?, permission? }`). */
export function errorResponse(error: unknown, request?: Request): Response {
  if (!isAppError(error)) throw error;
  const headers = new Headers();
  const body: Record<string, unknown> = { error: error.message };
  if ('fieldErrors' in error) body.fieldErrors = error.fieldErrors;
  if ('permission' in error && error.permission) body.permission = error.permission;
  if ('retryAfter' in error) headers.set('Retry-After', String(error.retryAfter));
  const requestId = request?.headers.get('x-request-id');
  if (requestId) body.requestId = requestId;
  return json(body, { status: error.status, headers });
}

/**
 * Runs an action's work. Refused input and conflicts come back as data for the form
 * (400/409/429 with field errors); other typed errors are thrown as Responses for the
 * error boundary; anything else is a bug and propagates as a 500.
 */
export async function formAction<T>(work: () => Promise<T>): Promise<T | Response> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof Response) throw error;
    if (!isAppError(error)) throw error;
    if (error.status === 400 || error.status === 409 || error.status === 429) {
      const data: ActionErrorData = {
        ok: false,
        formError: error.message,
        fieldErrors: 'fieldErrors' in error ? (error.fieldErrors as FieldErrors) : {},
      };
      const headers = new Headers();
      if ('retryAfter' in error) headers.set('Retry-After', String(error.retryAfter));
      return json(data, { status: error.status, headers });
    }
    throw errorResponse(error);
  }
}

/** Runs a loader's work; typed errors become Responses for the error boundary. */
export async function loaderWork<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof Response) throw error;
    throw errorResponse(error);
  }
}

/** Error types and the log, for route modules (they import server code only through adapters). */
export { NotFoundError, isAppError } from '../../server/core/errors';
export { log } from '../../server/core/log';
