/**
 * Typed errors thrown by server/ code. Route helpers turn them into Responses; their
 * `name` (not instanceof) is what is matched, because the Remix bundle and the Node entry
 * each carry their own copy of this module.
 */
export type FieldErrors = Record<string, string[]>;

export class AppError extends Error {
  readonly status: number;
  constructor(status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
  }
}

/** 400: the input is wrong; fieldErrors says where. */
export class InputError extends AppError {
  override readonly name = 'InputError';
  readonly fieldErrors: FieldErrors;
  constructor(message: string, fieldErrors: FieldErrors = {}) {
    super(400, message);
    this.fieldErrors = fieldErrors;
  }
}

/** 401: nobody is signed in (API) — pages redirect instead. */
export class UnauthorizedError extends AppError {
  override readonly name = 'UnauthorizedError';
  constructor(message = 'Sign in to continue.') {
    super(401, message);
  }
}

/** 403: signed in, but lacking a permission. */
export class ForbiddenError extends AppError {
  override readonly name = 'ForbiddenError';
  readonly permission: string | undefined;
  constructor(message: string, permission?: string) {
    super(403, message);
    this.permission = permission;
  }
}

/** 404: the thing asked for does not exist (or is not visible to the caller). */
export class NotFoundError extends AppError {
  override readonly name = 'NotFoundError';
  constructor(message: string) {
    super(404, message);
  }
}

/** 409: the change collides with the current state. */
export class ConflictError extends AppError {
  override readonly name = 'ConflictError';
  constructor(message: string) {
    super(409, message);
  }
}

/** 429: too many attempts; retryAfter in seconds. */
export class TooManyRequestsError extends AppError {
  override readonly name = 'TooManyRequestsError';
  readonly retryAfter: number;
  constructor(message: string, retryAfter: number) {
    super(429, message);
    this.retryAfter = retryAfter;
  }
}

const knownNames = new Set([
  'InputError',
  'UnauthorizedError',
  'ForbiddenError',
  'NotFoundError',
  'ConflictError',
  'TooManyRequestsError',
]);

/** True for an AppError from either copy of this module. */
export function isAppError(error: unknown): error is AppError {
  return (
    error instanceof Error &&
    knownNames.has(error.name) &&
    typeof (error as Partial<AppError>).status === 'number'
  );
}
