import path from 'node:path';
import { getConfig } from '../../server/config';
import { type GuardPolicyVersion, type PublishOptions, type SafetyEndpoint, loadEvaluationSet, versionQuality } from '../../server/guard';

export {
  archiveVersion,
  assignPolicy,
  createDraft,
  createPolicy,
  diffVersions,
  effectivePolicy,
  getPolicy,
  getPolicyVersion,
  listAssignments,
  listPolicies,
  parsePolicyDefinition,
  playground,
  publicationStatus,
  publishVersion,
  removeAssignment,
  updateDraft,
} from '../../server/guard';
export type { CheckDiff, CheckResult, EvaluationResult, GuardPolicyVersion, PolicyDefinition } from '../../server/guard';

/** The configured Llama Guard endpoint, if any. */
export function safetyEndpoint(): SafetyEndpoint | undefined {
  const { url, model, apiKey } = getConfig().llamaGuard;
  return url ? { baseUrl: url, model, ...(apiKey ? { apiKey } : {}) } : undefined;
}

/** Where publication writes (the gateway namespace) and the Llama Guard endpoint NeMo is told about. */
export function publishOptions(): PublishOptions {
  const endpoint = safetyEndpoint();
  return { namespace: getConfig().gatewayNamespace, ...(endpoint ? { safetyEndpoint: { baseUrl: endpoint.baseUrl, model: endpoint.model } } : {}) };
}

/**
 * Precision and recall per detector of a version on the evaluation set shipped with the
 * source (test/fixtures/guard/eval-set.jsonl); null where that file is not deployed.
 */
export function qualityOf(version: GuardPolicyVersion) {
  const examples = loadEvaluationSet(path.resolve('test/fixtures/guard/eval-set.jsonl'));
  if (!examples) return null;
  const report = versionQuality(`${version.id}@${version.updatedAt.toISOString()}`, version.definition, examples);
  const enabled = version.definition.checks.filter((c) => c.enabled);
  const piiEntities = new Set(enabled.flatMap((c) => (c.kind === 'pii' ? c.params.entities : [])));
  // Only the detectors this version runs: a pii check counts for the entities it looks for.
  const runs = (detector: string) =>
    detector.startsWith('pii.') ? piiEntities.has(detector.slice(4) as never) : enabled.some((c) => c.kind === detector);
  return report.detectors.filter((d) => runs(d.detector)).map((d) => ({ detector: d.detector, positives: d.all.tp + d.all.fn, precision: d.all.precision, recall: d.all.recall }));
}
