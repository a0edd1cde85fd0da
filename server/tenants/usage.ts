import { type BudgetPeriod } from '../../db/schema/tenants';
import { peekSingleton, setSingleton } from '../core/singleton';
import { type KubeObject, getClusterObjects, quantityValue } from '../kube';

/** What a tenant's pods request now, by quota resource name (requests.cpu, requests.nvidia.com/gpu, pods …). */
export type NamespaceUsage = Record<string, number>;

interface Container {
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

function amount(value: string | undefined): number {
  if (!value) return 0;
  try {
    return quantityValue(value);
  } catch {
    return 0;
  }
}

/**
 * Sums the requests of a namespace's non-terminal pods as ResourceQuota counts them
 * (limits stand in for missing requests of extended resources, as the API defaults them).
 */
export function usageOfPods(pods: readonly KubeObject[], namespace: string): NamespaceUsage {
  const used: NamespaceUsage = { pods: 0 };
  for (const pod of pods) {
    if (pod.metadata.namespace !== namespace) continue;
    const phase = (pod.status as { phase?: string } | undefined)?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    used.pods = (used.pods ?? 0) + 1;
    for (const c of ((pod.spec as { containers?: Container[] } | undefined)?.containers ?? [])) {
      const names = new Set([...Object.keys(c.resources?.requests ?? {}), ...Object.keys(c.resources?.limits ?? {})]);
      for (const r of names) {
        const v = amount(c.resources?.requests?.[r] ?? c.resources?.limits?.[r]);
        used[`requests.${r}`] = (used[`requests.${r}`] ?? 0) + v;
      }
    }
  }
  return used;
}

/** A namespace's current usage, from the cluster cache. */
export async function getNamespaceUsage(namespace: string): Promise<NamespaceUsage> {
  const { pods } = await getClusterObjects();
  return usageOfPods(pods, namespace);
}

/** The token-usage period containing `at` (UTC calendar day or month). */
export function periodBounds(period: BudgetPeriod, at = new Date()): { start: Date; end: Date } {
  if (period === 'day') {
    const start = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
    return { start, end: new Date(start.getTime() + 86_400_000) };
  }
  return {
    start: new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1)),
    end: new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1)),
  };
}

/**
 * Where token counts come from. The usage context (which depends on tenants, not the other
 * way round) registers one at start: given tenant slugs and a period, it returns the tokens
 * each used in it. Until one is registered, token usage is unknown (null), never 0.
 */
export type TokenUsageSource = (query: { tenants: string[]; start: Date; end: Date }) => Promise<Map<string, number>>;

const SOURCE_KEY = 'tenants-token-usage-source';

/** Registers (or, with undefined, removes) the token usage source. */
export function registerTokenUsageSource(source: TokenUsageSource | undefined): void {
  setSingleton(SOURCE_KEY, source);
}

/** Tokens used by each tenant in the period, or null when no usage source is registered. */
export async function tokenUsage(tenants: string[], start: Date, end: Date): Promise<Map<string, number> | null> {
  const source = peekSingleton<TokenUsageSource>(SOURCE_KEY);
  if (!source) return null;
  return source({ tenants, start, end });
}
