import { singleton } from '../core/singleton';
import { type BackoffPolicy, defaultBackoff } from './backoff';
import type { JobType, JobTypeDefinition } from './types';

export interface RegisteredJobType {
  type: string;
  definition: JobTypeDefinition<unknown, unknown>;
  backoff: BackoffPolicy;
  maxAttempts: number;
}

// On globalThis: the Remix bundle defines the types its contexts own, the Node entry's
// workers run them; both must see one registry.
const registry = singleton('jobs-registry', () => new Map<string, RegisteredJobType>());

const typeName = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/;

export const DEFAULT_MAX_ATTEMPTS = 5;

/**
 * Registers the handler of a job type, named `<context>.<name>`. Defining a type again
 * replaces it (dev rebuilds re-evaluate modules). Workers claim only types registered in
 * their process, so a replica running older code never takes a job it cannot run.
 */
export function defineJobType<P = unknown, R = unknown>(type: string, definition: JobTypeDefinition<P, R>): JobType<P> {
  if (!typeName.test(type)) {
    throw new Error(`Job type "${type}" must be "<context>.<name>" in lower case, e.g. "privacy.erasure".`);
  }
  const maxAttempts = definition.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new Error(`Job type "${type}": maxAttempts must be ≥ 1.`);
  if (definition.timeoutMs !== undefined && !(definition.timeoutMs > 0)) {
    throw new Error(`Job type "${type}": timeoutMs must be positive.`);
  }
  const backoff = { ...defaultBackoff, ...definition.backoff };
  if (!(backoff.baseMs >= 0) || !(backoff.maxMs >= backoff.baseMs)) {
    throw new Error(`Job type "${type}": backoff needs 0 ≤ baseMs ≤ maxMs.`);
  }
  registry.set(type, {
    type,
    definition: definition as unknown as JobTypeDefinition<unknown, unknown>,
    backoff,
    maxAttempts,
  });
  return { type };
}

/** The registered type, or undefined. */
export function getJobType(type: string): RegisteredJobType | undefined {
  return registry.get(type);
}

/** Names of every type this process can run. */
export function registeredJobTypes(): string[] {
  return [...registry.keys()];
}
