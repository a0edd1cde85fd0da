import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

/**
 * A CommonJS module loaded on first use instead of at start-up, for the few large libraries
 * only some requests need (each import at start-up delays readiness and stays in memory).
 */
export function lazyModule<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireHere(id) as T);
}
