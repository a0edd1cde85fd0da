import fs from 'node:fs';
import { type EvaluationExample, type QualityOptions, type QualityReport, measureQuality, parseEvaluationSet } from './quality';
import { type PolicyDefinition } from './schema';

/** The scanner parameters a definition uses for the measured detectors (its first enabled check of each kind). */
export function qualityOptionsOf(definition: PolicyDefinition): QualityOptions {
  const options: QualityOptions = {};
  for (const check of definition.checks) {
    if (!check.enabled) continue;
    if (check.kind === 'pii') options.pii ??= check.params;
    else if (check.kind === 'secrets') options.secrets ??= check.params;
    else if (check.kind === 'prompt-injection') options.promptInjection ??= check.params;
    else if (check.kind === 'invisible-text') options.invisibleText ??= check.params;
    else if (check.kind === 'code-injection') options.codeInjection ??= check.params;
  }
  return options;
}

const sets = new Map<string, EvaluationExample[] | null>();
const reports = new Map<string, QualityReport>();
const MAX_REPORTS = 100;

/** The evaluation set at `file`, read once per process; null when the file is not there. */
export function loadEvaluationSet(file: string): EvaluationExample[] | null {
  if (!sets.has(file)) sets.set(file, fs.existsSync(file) ? parseEvaluationSet(fs.readFileSync(file, 'utf8')) : null);
  return sets.get(file) ?? null;
}

/**
 * Precision and recall of a version's detector settings on the evaluation set. Measuring
 * takes ~0.1 s warm (0.6 s on first use), so reports are cached by `key` (version id and
 * its last change); a cache per process is enough because the report is derived data.
 */
export function versionQuality(key: string, definition: PolicyDefinition, examples: readonly EvaluationExample[]): QualityReport {
  const cached = reports.get(key);
  if (cached) return cached;
  const report = measureQuality(examples, qualityOptionsOf(definition));
  if (reports.size >= MAX_REPORTS) reports.delete(reports.keys().next().value!);
  reports.set(key, report);
  return report;
}
