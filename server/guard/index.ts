/**
 * The guard context's door: policy definitions, the built-in scanners and playground
 * engine, the measured quality of the detectors, and the compilers to LLM Guard, NeMo
 * Guardrails and Leitstand's own format. Other contexts import only this file.
 */
export {
  type Check,
  type CheckAction,
  type CheckDirection,
  type CheckInput,
  type CheckKind,
  type CheckOf,
  checkActions,
  checkDirections,
  checkKinds,
  checkSchema,
  checkTags,
  defaultInputPolicy,
  defaultOutputPolicy,
  kindTags,
  type PolicyDefinition,
  type PolicyDefinitionInput,
  policyDefinitionSchema,
} from './schema';
export { type OwaspEdition, owaspEditions, owaspId, type OwaspItem, owaspItems, type OwaspSlug, owaspSlugs } from './owasp';
export { type CheckResult, evaluatePolicy, type EvaluateOptions, type EvaluationResult, type Verdict, verdicts } from './engine';
export { mergeSpans, placeholderFor, redact } from './redact';
export { type Span } from './scanners/types';
export { piiEntities, type PiiEntity } from './scanners/pii';
export { secretDetectors, type SecretDetector } from './scanners/secrets';
export { codeLanguages } from './scanners/code-injection';
export { injectionLanguages } from './scanners/prompt-injection';
export { tokenEncodings, type TokenEncoding } from './scanners/tokenizer';
export { MAX_PATTERN_LENGTH, MAX_PATTERNS, regexPatternProblem } from './scanners/regex';
export {
  buildLlamaGuardPrompt,
  parseLlamaGuardAnswer,
  type SafetyCategory,
  safetyCategories,
  safetyCategoryCodes,
  type SafetyEndpoint,
  safetyEndpointSchema,
} from './scanners/safety';
export {
  type DetectorQuality,
  type EvaluationExample,
  evaluationExampleSchema,
  measureQuality,
  parseEvaluationSet,
  type QualityDetector,
  qualityDetectors,
  type QualityMetrics,
  type QualityOptions,
  type QualityReport,
} from './quality';
export {
  type ArtifactFormat,
  artifactFormats,
  artifactChecksum,
  canonicalJson,
  compileAll,
  compileLeitstand,
  compileLlmGuard,
  compileNemo,
  type CompiledArtifact,
  LEITSTAND_GUARD_API_VERSION,
  type LlmGuardScanner,
  type NemoCompileOptions,
  type PublishedPolicyVersion,
} from './compile';

export { parsePolicyDefinition } from './parse';
export { loadEvaluationSet, qualityOptionsOf, versionQuality } from './version-quality';
export { type CheckDiff, diffDefinitions, type FieldChange } from './diff';
export {
  archiveVersion,
  assignPolicy,
  configMapName,
  createDraft,
  createPolicy,
  defaultDefinition,
  diffVersions,
  type EffectiveMatch,
  effectivePolicy,
  getPolicy,
  getPolicyVersion,
  GUARD_LABEL_PREFIX,
  type GuardAssignment,
  type GuardPolicy,
  type GuardPolicyVersion,
  listAssignments,
  listPolicies,
  playground,
  publicationStatus,
  publishVersion,
  type PublishOptions,
  removeAssignment,
  renderPublication,
  updateDraft,
  updatePolicy,
} from './service';
export { type PolicyVersionStatus, policyVersionStatuses } from '../../db/schema/guard';
