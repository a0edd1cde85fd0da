import type { MessageKey } from '~/i18n/messages';
import { useT } from '~/i18n/use-t';

/** A check as the loader sends it (the parsed definition's check, JSON). */
export interface CheckView {
  id: string;
  kind: string;
  direction: string;
  action: string;
  enabled: boolean;
  params?: unknown;
}

const statusClass: Record<string, string> = { draft: 'badge badge-warn', published: 'badge badge-ok', archived: 'badge' };

/** A version's status as a badge. */
export function VersionStatus({ status }: { status: string }) {
  const t = useT();
  return <span className={statusClass[status] ?? 'badge'}>{t(`guard.status.${status}` as MessageKey)}</span>;
}

function paramsText(params: unknown): string {
  if (params === null || typeof params !== 'object') return '';
  return Object.entries(params as Record<string, unknown>)
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join('; ');
}

/** The checks of a version, one row each, readable without JSON. */
export function ChecksTable({ checks, caption }: { checks: CheckView[]; caption: string }) {
  const t = useT();
  return (
    <div className="table-wrap" role="region" aria-label={caption} tabIndex={0}>
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('guard.check.id')}</th>
            <th scope="col">{t('guard.check.kind')}</th>
            <th scope="col">{t('guard.check.direction')}</th>
            <th scope="col">{t('guard.check.action')}</th>
            <th scope="col">{t('guard.check.params')}</th>
          </tr>
        </thead>
        <tbody>
          {checks.map((c) => (
            <tr key={c.id}>
              <td>
                <code>{c.id}</code> {c.enabled ? null : <span className="badge">{t('guard.check.disabled')}</span>}
              </td>
              <td>{c.kind}</td>
              <td>{c.direction}</td>
              <td>{c.action}</td>
              <td>
                <small>{paramsText(c.params)}</small>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A block of checked text: wrapped, and a labelled region keyboard users can reach. */
export function TextPanel({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <pre className="guard-text" role="region" aria-label={label} tabIndex={0}>
      {children}
    </pre>
  );
}

/** A text with spans marked (<mark>), spans as UTF-16 offsets that do not overlap. */
export function HighlightedText({ text, spans, label }: { text: string; spans: { start: number; end: number; kind: string }[]; label: string }) {
  const parts: React.ReactNode[] = [];
  let at = 0;
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    if (span.start < at) continue;
    if (span.start > at) parts.push(text.slice(at, span.start));
    parts.push(
      <mark key={`${span.start}-${span.end}`} title={span.kind}>
        {text.slice(span.start, span.end)}
      </mark>,
    );
    at = span.end;
  }
  if (at < text.length) parts.push(text.slice(at));
  return <TextPanel label={label}>{parts}</TextPanel>;
}
