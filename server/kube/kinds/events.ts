import type { CoreV1Event } from '@kubernetes/client-node';
import type { KubeClient } from '../client';
import { type Result, attempt } from './common';

export interface EventSummary {
  namespace: string;
  name: string;
  type: string;
  reason: string;
  message: string;
  involvedObject: { kind?: string; name?: string; namespace?: string };
  count: number;
  firstTimestamp: string | null;
  lastTimestamp: string | null;
  source: string | null;
}

function iso(value: unknown): string | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value === 'string' && value) return value;
  return null;
}

function summarise(e: CoreV1Event): EventSummary {
  const last = iso(e.lastTimestamp) ?? iso(e.eventTime) ?? iso(e.metadata?.creationTimestamp);
  return {
    namespace: e.metadata?.namespace ?? '',
    name: e.metadata?.name ?? '',
    type: e.type ?? 'Normal',
    reason: e.reason ?? '',
    message: e.message ?? '',
    involvedObject: { kind: e.involvedObject?.kind, name: e.involvedObject?.name, namespace: e.involvedObject?.namespace },
    count: e.count ?? 1,
    firstTimestamp: iso(e.firstTimestamp) ?? last,
    lastTimestamp: last,
    source: e.source?.component ?? e.reportingComponent ?? null,
  };
}

/**
 * Events, newest first: in one namespace or all, optionally for one involved object
 * (matched with a field selector, so the server filters).
 */
export function listEvents(
  client: KubeClient,
  options: { namespace?: string; involvedObject?: { kind?: string; name: string }; limit?: number } = {},
): Promise<Result<EventSummary[]>> {
  return attempt(async () => {
    const selectors: string[] = [];
    if (options.involvedObject?.name) selectors.push(`involvedObject.name=${options.involvedObject.name}`);
    if (options.involvedObject?.kind) selectors.push(`involvedObject.kind=${options.involvedObject.kind}`);
    const fieldSelector = selectors.length ? selectors.join(',') : undefined;
    const list = options.namespace
      ? await client.core.listNamespacedEvent({ namespace: options.namespace, fieldSelector })
      : await client.core.listEventForAllNamespaces({ fieldSelector });
    const events = list.items.map(summarise);
    events.sort((a, b) => (b.lastTimestamp ?? '').localeCompare(a.lastTimestamp ?? ''));
    return events.slice(0, options.limit ?? 100);
  });
}
