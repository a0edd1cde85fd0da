import type { SubjectIdentifier } from '../crypto';

/**
 * One place inside a store that holds a subject's data: a table, a Redis key pattern, a
 * hash field, a webhook processor. Targets are erased one by one, in `order`, each as its
 * own resumable job step.
 */
export interface Target {
  /** Stable within the store (table name, pattern); used as the job step key. */
  key: string;
  categories: string[];
  /** How it is erased: delete rows, overwrite columns, unlink keys, delete hash fields, ask a processor. */
  method: 'delete' | 'overwrite' | 'unlink' | 'hdel' | 'webhook';
}

export interface TargetCount {
  target: string;
  categories: string[];
  method: Target['method'];
  count: number;
}

export type ConnectionCheck = { ok: true; detail: string } | { ok: false; reason: string };

/** What discovery found: tables (or key spaces) with suggested identifier columns. */
export interface DiscoveredColumn {
  name: string;
  type: string;
  indexed: boolean;
  /** A likely subject identifier: which kind, and for JSON columns which key. */
  suggestion?: { kind: SubjectIdentifier['kind']; jsonKey?: string } | undefined;
}
export interface DiscoveredTable {
  name: string;
  estimatedRows: number;
  columns: DiscoveredColumn[];
  references: { column: string; table: string; column2: string }[];
}
export interface Discovery {
  tables: DiscoveredTable[];
  /** Free-form hints (e.g. sample keys of a Redis database), never values of personal data. */
  notes: string[];
}

export interface EraseContext {
  signal?: AbortSignal | undefined;
  /** The erasure request (webhook processors report completion for it). */
  requestId?: string | undefined;
  /** Where a webhook connector reads the processor's signed callback. */
  callbacks?: CallbackPort | undefined;
}

/** Read side of the callbacks webhook processors send (stored by the callback route). */
export interface CallbackPort {
  get(requestId: string, storeId: string): Promise<{ status: string; records: number } | null>;
}

/** What every connector offers; the workflow and the retention purge only use this. */
export interface Connector {
  test(): Promise<ConnectionCheck>;
  discover(): Promise<Discovery>;
  /** Problems of the registered mapping against the live store (missing tables/columns). */
  checkMapping(): Promise<string[]>;
  /** Targets in safe erasure order (children before parents). */
  targets(): Promise<Target[]>;
  /** Dry run: how many records of the subject the target holds now. */
  count(target: Target, subject: SubjectIdentifier[]): Promise<number>;
  /** Erases the subject's records at the target; idempotent; returns how many it changed. */
  erase(target: Target, subject: SubjectIdentifier[], context: EraseContext): Promise<number>;
  /** What is left after erasure; must be 0. */
  verify(target: Target, subject: SubjectIdentifier[]): Promise<number>;
  close(): Promise<void>;
}

/** A thrown connector error whose message is safe to show and log (no values, no secrets). */
export class ConnectorError extends Error {
  override readonly name = 'ConnectorError';
}

/** A connector failure as a message safe to show and log (connectors name no values and no secrets). */
export function connectorMessage(error: unknown): string {
  const e = error as { name?: string; message?: string; code?: string };
  if (e?.name === 'ConnectorError' && e.message) return e.message;
  if (e?.code === 'ECONNREFUSED') return 'connection refused';
  if (e?.code && /^[0-9A-Z]{5}$/.test(e.code)) return `database error ${e.code}`;
  return 'the store failed (see the server log for the error class)';
}
