import { type ResourceType, qualifiedKind, qualifiedResource } from './resources';

/** A cause inside a Status, as the API server reports field errors and conflicts. */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** The metav1.Status body the API server answers with. */
export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** An API error: its HTTP code and the Status body to send. */
export class ApiError extends Error {
  readonly code: number;
  readonly status: StatusBody;
  readonly headers: Record<string, string>;
  constructor(code: number, reason: string, message: string, details?: StatusDetails, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.headers = headers;
    this.status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
    if (details && Object.keys(details).length > 0) this.status.details = details;
  }
}

function resDetails(t: ResourceType, name: string): StatusDetails {
  const d: StatusDetails = {};
  if (name) d.name = name;
  if (t.group) d.group = t.group;
  d.kind = t.plural;
  return d;
}

/** 404 `deployments.apps "x" not found`. */
export function notFound(t: ResourceType, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedResource(t)} "${name}" not found`, resDetails(t, name));
}

/** 404 for an object whose namespace does not exist. */
export function namespaceNotFound(namespace: string): ApiError {
  return new ApiError(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' });
}

/** 409 AlreadyExists on create. */
export function alreadyExists(t: ResourceType, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualifiedResource(t)} "${name}" already exists`, resDetails(t, name));
}

/** 409 Conflict: "Operation cannot be fulfilled on … : <why>". */
export function conflict(t: ResourceType, name: string, why: string, causes?: StatusCause[]): ApiError {
  const d = resDetails(t, name);
  if (causes) d.causes = causes;
  return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(t)} "${name}": ${why}`, d);
}

export const OPTIMISTIC_LOCK_MESSAGE =
  'the object has been modified; please apply your changes to the latest version and try again';

/** 409 for a stale resourceVersion (optimistic concurrency). */
export function staleConflict(t: ResourceType, name: string): ApiError {
  return conflict(t, name, OPTIMISTIC_LOCK_MESSAGE);
}

/** 403 Forbidden: "<resource> \"x\" is forbidden: <why>". */
export function forbidden(t: ResourceType, name: string, why: string, causes?: StatusCause[]): ApiError {
  const d = resDetails(t, name);
  if (causes) d.causes = causes;
  const subject = name ? `${qualifiedResource(t)} "${name}"` : qualifiedResource(t);
  return new ApiError(403, 'Forbidden', `${subject} is forbidden: ${why}`, d);
}

/** A field error: "spec.replicas: Invalid value: -1: must be greater than or equal to 0". */
export interface FieldError {
  type: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueNotSupported' | 'FieldValueForbidden' |
    'FieldValueDuplicate' | 'FieldValueTooLong' | 'FieldValueTooMany';
  field: string;
  message: string;
}

function renderValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `[]${JSON.stringify(v)}`;
  const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
  return `map[string]string{${entries.map(([k, x]) => `${JSON.stringify(k)}:${JSON.stringify(x)}`).join(', ')}}`;
}

export const fieldErr = {
  required(field: string, detail = ''): FieldError {
    return { type: 'FieldValueRequired', field, message: detail ? `Required value: ${detail}` : 'Required value' };
  },
  invalid(field: string, value: unknown, detail: string): FieldError {
    return { type: 'FieldValueInvalid', field, message: `Invalid value: ${renderValue(value)}: ${detail}` };
  },
  notSupported(field: string, value: unknown, supported: string[]): FieldError {
    return {
      type: 'FieldValueNotSupported', field,
      message: `Unsupported value: ${renderValue(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
    };
  },
  forbidden(field: string, detail: string): FieldError {
    return { type: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` };
  },
  duplicate(field: string, value: unknown): FieldError {
    return { type: 'FieldValueDuplicate', field, message: `Duplicate value: ${renderValue(value)}` };
  },
  tooLong(field: string, max: number): FieldError {
    return { type: 'FieldValueTooLong', field, message: `Too long: must have at most ${max} bytes` };
  },
};

/** 422 Invalid, worded as the API server words it ("Deployment.apps \"x\" is invalid: …"). */
export function invalid(t: ResourceType, name: string, errors: FieldError[]): ApiError {
  const parts = errors.map((e) => `${e.field}: ${e.message}`);
  const list = parts.length === 1 ? parts[0]! : `[${parts.join(', ')}]`;
  const details: StatusDetails = { name, group: t.group || undefined, kind: t.kind,
    causes: errors.map((e) => ({ reason: e.type, message: e.message, field: e.field })) };
  if (!details.group) delete details.group;
  if (!name) delete details.name;
  return new ApiError(422, 'Invalid', `${qualifiedKind(t)} "${name}" is invalid: ${list}`, details);
}

/** 400 BadRequest. */
export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

/** 405 MethodNotAllowed. */
export function methodNotAllowed(): ApiError {
  return new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

/** 404 for a path the server does not serve. */
export function notFoundPath(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** 410 Expired (too old resourceVersion). */
export function gone(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}

/** 500 InternalError. */
export function internalError(message: string): ApiError {
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
}

/** 429 TooManyRequests with Retry-After. */
export function tooManyRequests(message: string, retryAfterSeconds: number, causes?: StatusCause[]): ApiError {
  const d: StatusDetails = { retryAfterSeconds };
  if (causes) d.causes = causes;
  return new ApiError(429, 'TooManyRequests', message, d, { 'Retry-After': String(retryAfterSeconds) });
}

/** 415 UnsupportedMediaType naming the accepted patch types. */
export function unsupportedMediaType(accepted: string[]): ApiError {
  return new ApiError(415, 'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`);
}

/** 504 Timeout. */
export function timeoutError(): ApiError {
  return new ApiError(504, 'Timeout',
    'the server was unable to return a response in the time allotted, but may still be processing the request',
    { retryAfterSeconds: 1 });
}
