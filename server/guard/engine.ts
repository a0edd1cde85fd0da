import { type Check, type CheckAction, type CheckDirection, type CheckKind, checkTags, type PolicyDefinition } from './schema';
import { type OwaspSlug } from './owasp';
import { redact } from './redact';
import { scanBanSubstrings } from './scanners/ban-substrings';
import { scanCodeInjection } from './scanners/code-injection';
import { scanInvisibleText } from './scanners/invisible-text';
import { scanPii } from './scanners/pii';
import { scanPromptInjection } from './scanners/prompt-injection';
import { scanRegex } from './scanners/regex';
import { scanSafety, type SafetyEndpoint } from './scanners/safety';
import { scanSecrets } from './scanners/secrets';
import { scanTokenLimit } from './scanners/token-limit';
import { scanTopics } from './scanners/topics';
import { type ScanOutcome, type Span } from './scanners/types';

export const verdicts = ['pass', 'flag', 'block', 'error'] as const;
export type Verdict = (typeof verdicts)[number];

export interface CheckResult {
  checkId: string;
  kind: CheckKind;
  action: CheckAction;
  verdict: Verdict;
  score: number;
  latencyMs: number;
  spans: Span[];
  tags: OwaspSlug[];
  details?: Record<string, unknown>;
  /** Why the check could not decide (verdict `error`). */
  error?: string;
}

export interface EvaluationResult {
  direction: CheckDirection;
  /** `block` when any check blocked. A check in error does not block by itself. */
  decision: 'allow' | 'block';
  results: CheckResult[];
  /** The text with the spans of every flagged `redact` check replaced by typed placeholders. */
  redactedText: string;
  latencyMs: number;
}

export interface EvaluateOptions {
  text: string;
  direction: CheckDirection;
  /** A parsed policy definition (policyDefinitionSchema). */
  policy: PolicyDefinition;
  /** Where Llama Guard is served; without it, safety checks report an error. */
  safetyEndpoint?: SafetyEndpoint;
  /** For output checks: the prompt that led to the text, so Llama Guard sees the conversation. */
  prompt?: string;
  signal?: AbortSignal;
}

/** Runs one built-in (synchronous) check. */
export function runBuiltInCheck(check: Exclude<Check, { kind: 'safety' }>, text: string): ScanOutcome {
  switch (check.kind) {
    case 'token-limit':
      return scanTokenLimit(text, check.params);
    case 'invisible-text':
      return scanInvisibleText(text, check.params);
    case 'prompt-injection':
      return scanPromptInjection(text, check.params);
    case 'pii':
      return scanPii(text, check.params);
    case 'secrets':
      return scanSecrets(text, check.params);
    case 'ban-substrings':
      return scanBanSubstrings(text, check.params);
    case 'regex':
      return scanRegex(text, check.params);
    case 'topics':
      return scanTopics(text, check.params);
    case 'code-injection':
      return scanCodeInjection(text, check.params);
  }
}

function toResult(check: Check, outcome: ScanOutcome & { error?: string }, latencyMs: number): CheckResult {
  const verdict: Verdict =
    outcome.error !== undefined ? 'error'
    : !outcome.detected ? 'pass'
    : check.action === 'block' ? 'block'
    : 'flag';
  return {
    checkId: check.id,
    kind: check.kind,
    action: check.action,
    verdict,
    score: outcome.score,
    latencyMs: Math.round(latencyMs * 1000) / 1000,
    spans: outcome.spans,
    tags: checkTags(check),
    ...(outcome.details ? { details: outcome.details } : {}),
    ...(outcome.error !== undefined ? { error: outcome.error } : {}),
  };
}

/**
 * The playground engine: runs every enabled check of one direction on a text and returns
 * each verdict, score, latency and span, the overall decision and the redacted text.
 * A check that throws or times out yields verdict `error`; the evaluation never fails.
 */
export async function evaluatePolicy(options: EvaluateOptions): Promise<EvaluationResult> {
  const started = performance.now();
  const checks = options.policy.checks.filter((c) => c.enabled && c.direction === options.direction);
  const results = new Map<string, CheckResult>();

  // The Llama Guard call is the slow one: start it first, run the built-in checks meanwhile.
  const pending = checks
    .filter((c): c is Extract<Check, { kind: 'safety' }> => c.kind === 'safety')
    .map(async (check) => {
      const t0 = performance.now();
      const conversation =
        options.direction === 'input' ? { user: options.text } : { user: options.prompt, agent: options.text };
      const outcome = await scanSafety(conversation, check.params, options.safetyEndpoint, options.signal);
      results.set(check.id, toResult(check, outcome, performance.now() - t0));
    });

  for (const check of checks) {
    if (check.kind === 'safety') continue;
    const t0 = performance.now();
    let outcome: ScanOutcome & { error?: string };
    try {
      outcome = runBuiltInCheck(check, options.text);
    } catch (error) {
      outcome = { detected: false, score: 0, spans: [], error: `The check failed: ${(error as Error).message}` };
    }
    results.set(check.id, toResult(check, outcome, performance.now() - t0));
  }
  await Promise.all(pending);

  const ordered = checks.map((c) => results.get(c.id)!);
  const redactSpans = ordered.filter((r) => r.action === 'redact' && r.verdict === 'flag').flatMap((r) => r.spans);
  return {
    direction: options.direction,
    decision: ordered.some((r) => r.verdict === 'block') ? 'block' : 'allow',
    results: ordered,
    redactedText: redactSpans.length > 0 ? redact(options.text, redactSpans) : options.text,
    latencyMs: Math.round((performance.now() - started) * 1000) / 1000,
  };
}
