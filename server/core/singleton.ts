/**
 * One instance per process, kept on globalThis so that the Remix server bundle and the
 * Node entry (which each carry their own copy of server/ modules) share it, and so that
 * it survives dev rebuilds.
 */
export function singleton<T>(name: string, create: () => T): T {
  const store = globalThis as unknown as { __leitstand?: Map<string, unknown> };
  store.__leitstand ??= new Map();
  if (!store.__leitstand.has(name)) store.__leitstand.set(name, create());
  return store.__leitstand.get(name) as T;
}

/** Replaces a process singleton (tests and start-up wiring). */
export function setSingleton<T>(name: string, value: T): void {
  const store = globalThis as unknown as { __leitstand?: Map<string, unknown> };
  store.__leitstand ??= new Map();
  store.__leitstand.set(name, value);
}

/** Reads a process singleton, or undefined when none was set. */
export function peekSingleton<T>(name: string): T | undefined {
  const store = globalThis as unknown as { __leitstand?: Map<string, unknown> };
  return store.__leitstand?.get(name) as T | undefined;
}
