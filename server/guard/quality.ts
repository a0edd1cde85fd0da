import { z } from 'zod';
import { InputError } from '../core/errors';
import { scanCodeInjection } from './scanners/code-injection';
import { scanInvisibleText } from './scanners/invisible-text';
import { findPii, piiEntities } from './scanners/pii';
import { scanPromptInjection } from './scanners/prompt-injection';
import { findSecrets } from './scanners/secrets';
import {
  codeInjectionParamsSchema,
  invisibleTextParamsSchema,
  piiParamsSchema,
  promptInjectionParamsSchema,
  secretsParamsSchema,
} from './schema';

/**
 * Measured quality of the built-in detectors on a labelled evaluation set: precision and
 * recall per detector, on the tuning part, the held-out part and both. A detector fires
 * on an example when it finds anything; an example is positive for a detector when the
 * detector's id is among its labels.
 */
export const qualityDetectors = [
  ...piiEntities.map((e) => `pii.${e}` as const),
  'secrets',
  'prompt-injection',
  'invisible-text',
  'code-injection',
] as const;
export type QualityDetector = (typeof qualityDetectors)[number];

export const evaluationSplits = ['tune', 'holdout'] as const;

export const evaluationExampleSchema = z.object({
  id: z.string().min(1),
  split: z.enum(evaluationSplits),
  lang: z.enum(['de', 'en']),
  direction: z.enum(['input', 'output']),
  text: z.string(),
  labels: z.array(z.enum(qualityDetectors)),
  /** What the example is for, e.g. "near miss: IBAN with a wrong checksum". */
  note: z.string().optional(),
});
export type EvaluationExample = z.infer<typeof evaluationExampleSchema>;

export interface QualityMetrics {
  examples: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  /** null when the detector never fired (no predictions to be precise about). */
  precision: number | null;
  /** null when the part has no positive example. */
  recall: number | null;
}

export interface DetectorQuality {
  detector: QualityDetector;
  all: QualityMetrics;
  tune: QualityMetrics;
  holdout: QualityMetrics;
  /** Example ids the detector got wrong, for inspection. */
  falsePositives: string[];
  falseNegatives: string[];
}

export interface QualityReport {
  examples: number;
  detectors: DetectorQuality[];
}

/** Parses a JSONL evaluation set; a bad line is an InputError naming the line. */
export function parseEvaluationSet(jsonl: string): EvaluationExample[] {
  const examples: EvaluationExample[] = [];
  const ids = new Set<string>();
  jsonl.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new InputError(`Line ${index + 1} of the evaluation set is not JSON.`, { [`line ${index + 1}`]: ['not JSON'] });
    }
    const parsed = evaluationExampleSchema.safeParse(value);
    if (!parsed.success) {
      throw new InputError(`Line ${index + 1} of the evaluation set is not a valid example.`, {
        [`line ${index + 1}`]: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
      });
    }
    if (ids.has(parsed.data.id)) {
      throw new InputError(`Line ${index + 1} repeats the id ${parsed.data.id}.`, { [`line ${index + 1}`]: ['duplicate id'] });
    }
    ids.add(parsed.data.id);
    examples.push(parsed.data);
  });
  return examples;
}

/** Detector settings to measure; defaults are the built-in defaults of each check. */
export interface QualityOptions {
  pii?: z.input<typeof piiParamsSchema>;
  secrets?: z.input<typeof secretsParamsSchema>;
  promptInjection?: z.input<typeof promptInjectionParamsSchema>;
  invisibleText?: z.input<typeof invisibleTextParamsSchema>;
  codeInjection?: z.input<typeof codeInjectionParamsSchema>;
}

function predictions(example: EvaluationExample, options: QualityOptions): Set<QualityDetector> {
  const fired = new Set<QualityDetector>();
  const pii = piiParamsSchema.parse({ ...options.pii, entities: [...piiEntities] });
  for (const span of findPii(example.text, pii)) fired.add(`pii.${span.kind}` as QualityDetector);
  if (findSecrets(example.text, secretsParamsSchema.parse(options.secrets ?? {})).length > 0) fired.add('secrets');
  if (scanPromptInjection(example.text, promptInjectionParamsSchema.parse(options.promptInjection ?? {})).detected) {
    fired.add('prompt-injection');
  }
  if (scanInvisibleText(example.text, invisibleTextParamsSchema.parse(options.invisibleText ?? {})).detected) {
    fired.add('invisible-text');
  }
  if (scanCodeInjection(example.text, codeInjectionParamsSchema.parse(options.codeInjection ?? {})).detected) {
    fired.add('code-injection');
  }
  return fired;
}

function metrics(outcomes: { positive: boolean; fired: boolean }[]): QualityMetrics {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (const o of outcomes) {
    if (o.positive && o.fired) tp++;
    else if (!o.positive && o.fired) fp++;
    else if (o.positive) fn++;
    else tn++;
  }
  const round = (x: number) => Math.round(x * 10000) / 10000;
  return {
    examples: outcomes.length,
    tp,
    fp,
    fn,
    tn,
    precision: tp + fp === 0 ? null : round(tp / (tp + fp)),
    recall: tp + fn === 0 ? null : round(tp / (tp + fn)),
  };
}

/** Precision and recall of every built-in detector on the examples, per split and overall. */
export function measureQuality(examples: readonly EvaluationExample[], options: QualityOptions = {}): QualityReport {
  const fired = examples.map((e) => predictions(e, options));
  const detectors = qualityDetectors.map((detector): DetectorQuality => {
    const rows = examples.map((e, i) => ({
      example: e,
      positive: e.labels.includes(detector),
      fired: fired[i]!.has(detector),
    }));
    return {
      detector,
      all: metrics(rows),
      tune: metrics(rows.filter((r) => r.example.split === 'tune')),
      holdout: metrics(rows.filter((r) => r.example.split === 'holdout')),
      falsePositives: rows.filter((r) => r.fired && !r.positive).map((r) => r.example.id),
      falseNegatives: rows.filter((r) => !r.fired && r.positive).map((r) => r.example.id),
    };
  });
  return { examples: examples.length, detectors };
}
