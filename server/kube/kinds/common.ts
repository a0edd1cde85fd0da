import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { FIELD_MANAGER, type KubeApiError, MANAGED_BY_LABEL, MANAGED_BY_VALUE, toKubeError } from '../client';

/** An expected outcome is a value, not an exception: `{ ok: false, reason: 'node is cordoned' }`. */
export type Result<T> = { ok: true; value: T } | { ok: false; reason: string; error?: KubeApiError };

/** Options shared by writes: dry run where the API offers it. */
export interface WriteOptions {
  dryRun?: boolean;
}

/** Runs one API call and turns an API error into `{ ok: false }`. */
export async function attempt<T>(call: () => Promise<T>, describe?: (e: KubeApiError) => string): Promise<Result<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    const e = toKubeError(error);
    return { ok: false, reason: describe ? describe(e) : e.message, error: e };
  }
}

/** Per-call options that send a server-side apply (client-node 1.x sets Content-Type through middleware). */
export function applyPatchOptions() {
  return setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
}

/** Per-call options that send a JSON merge patch. */
export function mergePatchOptions() {
  return setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
}

/** Query parameters every server-side apply of Leitstand carries. */
export function applyParams(options: WriteOptions & { force?: boolean } = {}) {
  return {
    fieldManager: FIELD_MANAGER,
    force: options.force ?? false,
    ...(options.dryRun ? { dryRun: 'All' } : {}),
  };
}

/** Labels for objects Leitstand renders: the managed-by label plus the caller's. */
export function managedLabels(extra: Record<string, string> = {}): Record<string, string> {
  return { ...extra, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
}

/** Re-runs `update` after a 409 Conflict (it must re-read the object itself), a few times. */
export async function retryOnConflict<T>(update: () => Promise<Result<T>>, attempts = 5): Promise<Result<T>> {
  let last: Result<T> = { ok: false, reason: 'not attempted' };
  for (let i = 0; i < attempts; i++) {
    last = await update();
    if (last.ok || last.error?.code !== 409) return last;
  }
  return last;
}
