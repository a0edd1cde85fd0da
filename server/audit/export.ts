import { and, asc, desc, gt, lt, lte, max } from 'drizzle-orm';
import { type Executor, getDb } from '../../db/client';
import { auditEvents } from '../../db/schema/audit';
import { type AuditEvent, type AuditFilters, type AuditOrder, filterConditions } from './query';

export const auditExportFormats = ['jsonl', 'csv'] as const;
export type AuditExportFormat = (typeof auditExportFormats)[number];

export interface ExportAuditOptions {
  filters?: AuditFilters;
  order?: AuditOrder;
  /** Rows per query; memory stays bounded by this, not by the table. */
  batchSize?: number;
  db?: Executor;
}

/**
 * Every event matching the filters, batch by batch (keyset by id). Events appended after
 * the export began are left out, so the file is a consistent cut of the trail.
 */
export async function* exportAuditEvents({
  filters = {},
  order = 'oldest',
  batchSize = 1000,
  db = getDb(),
}: ExportAuditOptions = {}): AsyncGenerator<AuditEvent> {
  const [{ top } = { top: null }] = await db.select({ top: max(auditEvents.id) }).from(auditEvents);
  if (top === null) return;
  const base = filterConditions(filters);
  const ascending = order === 'oldest';
  let cursor = ascending ? 0 : Number(top) + 1;
  for (;;) {
    const rows = await db
      .select()
      .from(auditEvents)
      .where(
        and(
          ...base,
          ascending ? gt(auditEvents.id, cursor) : lt(auditEvents.id, cursor),
          lte(auditEvents.id, Number(top)),
        ),
      )
      .orderBy(ascending ? asc(auditEvents.id) : desc(auditEvents.id))
      .limit(batchSize);
    for (const row of rows) yield row;
    if (rows.length < batchSize) return;
    cursor = rows[rows.length - 1]!.id;
  }
}

/** Columns of the CSV export, in order. */
export const csvColumns = [
  'id',
  'occurred_at',
  'actor_id',
  'actor_name',
  'actor_roles',
  'action',
  'target_type',
  'target_id',
  'request_id',
  'client_address',
  'before',
  'after',
  'prev_hash',
  'hash',
] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a quote, comma or line break. A field a
 * spreadsheet would run as a formula (= + - @ tab CR) gets a leading apostrophe (OWASP).
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function jsonOrEmpty(value: unknown): string {
  return value === null || value === undefined ? '' : JSON.stringify(value);
}

/** One event as a CSV record, CRLF-terminated. */
export function csvRecord(event: AuditEvent): string {
  const cells: (string | number | null)[] = [
    event.id,
    event.occurredAt.toISOString(),
    event.actorId,
    event.actorName,
    event.actorRoles.join(' '),
    event.action,
    event.targetType,
    event.targetId,
    event.requestId,
    event.clientAddress,
    jsonOrEmpty(event.before),
    jsonOrEmpty(event.after),
    event.prevHash,
    event.hash,
  ];
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** One event as a JSON line. */
export function jsonlRecord(event: AuditEvent): string {
  return `${JSON.stringify({ ...event, occurredAt: event.occurredAt.toISOString() })}\n`;
}

/** The export as text chunks (one per batch of events), header included. */
export async function* auditExportChunks(format: AuditExportFormat, events: AsyncIterable<AuditEvent>) {
  const encode = format === 'csv' ? csvRecord : jsonlRecord;
  let chunk = format === 'csv' ? `${csvColumns.join(',')}\r\n` : '';
  let n = 0;
  for await (const event of events) {
    chunk += encode(event);
    n += 1;
    if (n % 500 === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/**
 * The export as a byte stream for an HTTP response: pulled as the client reads, so a
 * slow download holds one batch in memory, and a closed connection stops the queries.
 */
export function auditExportStream(
  format: AuditExportFormat,
  options: Omit<ExportAuditOptions, 'db'> = {},
): ReadableStream<Uint8Array> {
  const chunks = auditExportChunks(format, exportAuditEvents(options));
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}
