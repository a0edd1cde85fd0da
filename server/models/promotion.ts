import type { Executor } from '../../db/client';
import type { ModelStage } from '../../db/schema/models';
import type { AuditActor } from '../audit';

/** What a promotion gate looks at when someone approves a version for production. */
export interface PromotionContext {
  db: Executor;
  modelName: string;
  version: { id: string; label: string; stage: ModelStage; datasets: string[]; sha256: string };
  request: { requestedById: string | null; requestedByName: string };
  approver: AuditActor;
}

/** One rule a version must pass to reach production. Returns why it fails, or null. */
export interface PromotionGate {
  id: string;
  description: string;
  check(context: PromotionContext): string | null | Promise<string | null>;
}

/** Roles whose holders may approve a promotion (besides holding models:approve). */
export const APPROVER_ROLES = ['operator', 'admin'] as const;

const builtInGates: PromotionGate[] = [
  {
    id: 'stage',
    description: 'Only a version in staging (or a deprecated one coming back) can go to production.',
    check: ({ version }) =>
      version.stage === 'staging' || version.stage === 'deprecated'
        ? null
        : `The version is ${version.stage}; only staging or deprecated versions can be promoted.`,
  },
  {
    id: 'approver-is-person',
    description: 'A person approves, never a service token.',
    check: ({ approver }) => (approver.id ? null : 'A promotion is approved by a person signed in, not by a service token.'),
  },
  {
    id: 'four-eyes',
    description: 'The approver is not the person who asked for the promotion.',
    check: ({ approver, request }) =>
      approver.id !== null && approver.id === request.requestedById
        ? `${approver.name} asked for this promotion; a second person must approve it.`
        : null,
  },
  {
    id: 'approver-role',
    description: 'The approver holds the operator or admin role.',
    check: ({ approver }) =>
      approver.roles.some((r) => (APPROVER_ROLES as readonly string[]).includes(r))
        ? null
        : `${approver.name} holds neither the operator nor the admin role needed to approve.`,
  },
];

// Gates other contexts add (e.g. "a guard policy is assigned"); kept on globalThis because
// the Remix bundle and the Node entry carry separate copies of this module.
const key = Symbol.for('leitstand.models.promotionGates');
const extraGates = ((globalThis as Record<symbol, unknown>)[key] ??= new Map<string, PromotionGate>()) as Map<string, PromotionGate>;

/** Adds (or replaces, by id) a gate every later promotion must pass. */
export function registerPromotionGate(gate: PromotionGate): void {
  extraGates.set(gate.id, gate);
}

/** Every gate in force, built-in first. */
export function promotionGates(): PromotionGate[] {
  return [...builtInGates, ...extraGates.values()];
}

/**
 * The promotion rules, in one function: runs every gate and returns the failures (empty:
 * the version may go to production). Approval calls it inside its transaction.
 */
export async function promotionProblems(context: PromotionContext): Promise<Array<{ gate: string; reason: string }>> {
  const problems: Array<{ gate: string; reason: string }> = [];
  for (const gate of promotionGates()) {
    const reason = await gate.check(context);
    if (reason) problems.push({ gate: gate.id, reason });
  }
  return problems;
}
