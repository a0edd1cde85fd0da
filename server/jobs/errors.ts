/**
 * Errors of the jobs context. Names (not instanceof) are matched, because the Remix bundle
 * and the Node entry each carry their own copy of server/ modules.
 */

/** Thrown by a handler when retrying cannot help (bad payload, the thing is gone). */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';
}

// Typed errors from server/core that describe the request, not the moment: a retry would
// see the same input and fail the same way. ConflictError and TooManyRequestsError are
// left out on purpose: both usually pass.
const permanentNames = new Set(['PermanentJobError', 'InputError', 'NotFoundError', 'ForbiddenError', 'UnauthorizedError']);

/** True when an attempt that threw this should not be retried. */
export function isPermanentError(error: unknown): boolean {
  return error instanceof Error && permanentNames.has(error.name);
}

/** Why a worker interrupted a running handler (the `reason` of `ctx.signal`). */
export type InterruptionKind = 'cancelled' | 'lease-lost' | 'timeout' | 'shutdown';

const interruptionMessages: Record<InterruptionKind, string> = {
  cancelled: 'The job was cancelled.',
  'lease-lost': 'The worker lost the lease on this job; another worker may run it.',
  timeout: 'The attempt ran longer than the job type allows.',
  shutdown: 'The worker is stopping; the job will continue on another worker.',
};

/** The abort reason handed to handlers through `ctx.signal`; steps throw it once aborted. */
export class JobInterruptedError extends Error {
  override readonly name = 'JobInterruptedError';
  readonly kind: InterruptionKind;
  constructor(kind: InterruptionKind, detail?: string) {
    super(detail ? `${interruptionMessages[kind]} ${detail}` : interruptionMessages[kind]);
    this.kind = kind;
  }
}

/** True for a JobInterruptedError from either module copy (handlers live in the Remix bundle, workers in the Node entry). */
export function isJobInterruption(error: unknown): error is JobInterruptedError {
  return error instanceof Error && error.name === 'JobInterruptedError' && typeof (error as { kind?: unknown }).kind === 'string';
}

/** The message stored in `last_error`: bounded, one line of context per cause. */
export function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 3 && current !== undefined && current !== null; depth++) {
    if (current instanceof Error) {
      parts.push(current.name && current.name !== 'Error' ? `${current.name}: ${current.message}` : current.message);
      current = current.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  const text = parts.join(' ← ') || 'unknown error';
  return text.length > 2000 ? `${text.slice(0, 1999)}…` : text;
}

/** True when a driver error (possibly wrapped by drizzle) is a unique-constraint violation. */
export function isUniqueViolation(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if ((current as { code?: unknown }).code === '23505') return true;
    current = current.cause;
  }
  return false;
}
