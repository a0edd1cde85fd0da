/*
 * The URL is the table's state: sort, filters and page live in search params, so a link
 * reproduces a view and back/forward walk through views. Pure functions, shared by loaders
 * (to read the request) and the DataTable (to write links).
 *
 * Conventions: `sort=name` ascending, `sort=-name` descending; filters by their own names;
 * pages as `page=3` (page numbers) or by keyset cursors (`before`/`after`, or whatever the
 * list chooses). Changing sort or filters drops the page/cursor params.
 */

export interface SortState {
  /** Column id. */
  id: string;
  desc: boolean;
}

/** Search params that position a page; reset whenever sort or filters change. */
export const defaultPageParams = ['page', 'cursor', 'before', 'after'] as const;

/** The sort in the URL when it names an allowed column, else the fallback. */
export function readSort(
  params: URLSearchParams,
  allowed: readonly string[],
  fallback: SortState,
  name = 'sort',
): SortState {
  const raw = params.get(name)?.trim();
  if (!raw) return fallback;
  const desc = raw.startsWith('-');
  const id = desc ? raw.slice(1) : raw;
  return allowed.includes(id) ? { id, desc } : fallback;
}

/** `name` or `-name`. */
export function sortValue(sort: SortState): string {
  return sort.desc ? `-${sort.id}` : sort.id;
}

/** A 1-based page number from the URL (bad values read as 1). */
export function readPage(params: URLSearchParams, name = 'page'): number {
  const n = Number(params.get(name));
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/** The named filters as trimmed strings ('' when absent). */
export function readFilters<K extends string>(params: URLSearchParams, names: readonly K[]): Record<K, string> {
  return Object.fromEntries(names.map((n) => [n, params.get(n)?.trim() ?? ''])) as Record<K, string>;
}

/** True when any of the named filters has a value. */
export function hasFilters(params: URLSearchParams, names: readonly string[]): boolean {
  return names.some((n) => (params.get(n)?.trim() ?? '') !== '');
}

/**
 * A `?query` built from the current params: `drop` removed first, then `patch` applied
 * (null/'' removes a param). Empty params are left out so URLs stay short; '' when none remain.
 */
export function withParams(
  current: URLSearchParams,
  patch: Record<string, string | number | null | undefined> = {},
  drop: readonly string[] = [],
): string {
  const next = new URLSearchParams(current);
  for (const name of drop) next.delete(name);
  for (const [name, value] of Object.entries(patch)) {
    if (value === null || value === undefined || value === '') next.delete(name);
    else next.set(name, String(value));
  }
  for (const [name, value] of [...next.entries()]) if (value === '') next.delete(name);
  const text = next.toString();
  return text ? `?${text}` : '';
}
