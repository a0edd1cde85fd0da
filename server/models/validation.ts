import { z } from 'zod';
import { inferenceEngines, modelFormats, modelStages, quantizations } from '../../db/schema/models';
import { type FieldErrors, InputError } from '../core/errors';
import { isQuantityText } from '../kube';
import { normaliseDecimal } from './decimal';
import { type ModelMessageKey, issueMessage, modelMessages as m, msg } from './messages';

/** Parses with a schema; refused input becomes InputError with a message key per field. */
export function parseModelInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const fieldErrors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '_form';
    (fieldErrors[field] ??= []).push(issueMessage(issue));
  }
  throw new InputError(m.invalidInput, fieldErrors);
}

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** A list from an array, or from text with one item per line or comma. */
const listOf = (item: z.ZodType<string>, max: number, tooMany: ModelMessageKey) =>
  z.preprocess(
    (v) => {
      if (v === undefined || v === null) return [];
      const raw = Array.isArray(v) ? v.flatMap((x) => String(x).split(/[\n,]/)) : String(v).split(/[\n,]/);
      return [...new Set(raw.map((s) => s.trim()).filter(Boolean))];
    },
    z.array(item).max(max, msg(tooMany, { max })),
  );

/** Model names name Kubernetes objects and the served model: a DNS label, starting with a letter. */
export const modelNameSchema = z
  .string({ error: m.nameRequired })
  .trim()
  .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, m.nameFormat)
  .max(40, m.nameTooLong)
  // These name pages under /models/.
  .refine((v) => !['new', 'deployments', 'approvals', 'promotions'].includes(v), m.nameReserved);

const text = (max: number, empty: ModelMessageKey) => z.string({ error: empty }).trim().min(1, empty).max(max, msg(m.maxChars, { max }));

const tagSchema = z
  .string()
  .regex(/^[a-z0-9][-a-z0-9_.:]{0,39}$/, m.tagFormat);
const datasetIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][-A-Za-z0-9_.:/]{0,119}$/, m.datasetIdFormat);

export function modelSchema() {
  return z.object({
    name: modelNameSchema,
    family: text(60, m.familyRequired),
    owner: text(120, m.ownerRequired),
    description: z.preprocess((v) => v ?? '', z.string().trim().max(2000, msg(m.maxChars, { max: 2000 }))),
    license: text(120, m.licenseRequired),
    tags: listOf(tagSchema, 20, m.tooManyTags),
  });
}

export function modelUpdateSchema() {
  return modelSchema().omit({ name: true });
}

/**
 * Where the weights are: s3://bucket/key, pvc://claim/path, oci://registry/repo:tag, an
 * https:// URL on the internal mirror, or an absolute path on the mirror.
 */
export const artifactUriSchema = z
  .string({ error: m.artifactRequired })
  .trim()
  .min(1, m.artifactRequired)
  .max(1000, msg(m.maxChars, { max: 1000 }))
  .refine(
    (v) =>
      /^s3:\/\/[a-z0-9][-a-z0-9.]{1,61}[a-z0-9](\/[^\s]*)?$/.test(v) ||
      /^pvc:\/\/[a-z0-9]([-a-z0-9]*[a-z0-9])?(\/[^\s]*)?$/.test(v) ||
      /^oci:\/\/[a-z0-9][-a-z0-9.:]*(\/[-a-z0-9._]+)+(:[\w][\w.-]{0,127}|@sha256:[0-9a-f]{64})?$/.test(v) ||
      /^https?:\/\/[a-z0-9][-a-z0-9.:]*(\/[^\s]*)?$/.test(v) ||
      /^\/[^\s]+$/.test(v),
    m.artifactFormat,
  );

/** A field's name inside a message, mid-sentence and at its start (`what`, `What`). */
const whats = {
  parameterCount: { what: m.whatParameterCount, What: m.whatParameterCountStart },
  contextLength: { what: m.whatContextLength, What: m.whatContextLengthStart },
  replicas: { what: m.whatReplicas, What: m.whatReplicasStart },
  tensorParallel: { what: m.whatTensorParallel, What: m.whatTensorParallelStart },
  maxModelLen: { what: m.whatMaxModelLen, What: m.whatMaxModelLenStart },
  canaryReplicas: { what: m.whatCanaryReplicas, What: m.whatCanaryReplicasStart },
} as const;

const positiveInt = (what: keyof typeof whats, max: number) =>
  z.coerce
    .number({ error: msg(m.wholeNumber, whats[what]) })
    .int(msg(m.wholeNumber, whats[what]))
    .min(1, msg(m.atLeastOne, whats[what]))
    .max(max, msg(m.atMost, { ...whats[what], max }));

/**
 * Number text with a decimal comma read where that is the one reading ("14,9" → "14.9");
 * text mixing comma and point, or that could be grouping or decimals ("1,500"), is refused
 * with a message that says so instead of being read one way.
 */
function readDecimal(v: string, ctx: z.core.$RefinementCtx): string {
  const read = normaliseDecimal(v);
  if (read.ok) return read.text;
  if (read.problem === 'mixed') ctx.addIssue({ code: 'custom', message: m.numberMixed, input: v });
  else {
    const text = v.trim().replace(/_/g, '');
    const whole = text.replace(',', '');
    const decimal = String(Number(text.replace(',', '.')));
    ctx.addIssue({ code: 'custom', message: msg(m.numberAmbiguous, { value: text, whole, decimal, decimalComma: decimal.replace('.', ',') }), input: v });
  }
  return z.NEVER;
}

/** A number field that takes a decimal comma (see readDecimal) as well as a decimal point. */
const decimalInput = <S extends z.ZodType>(schema: S) => z.preprocess((v, ctx) => (typeof v === 'string' ? readDecimal(v, ctx) : v), schema);

/** A number with an optional unit: the number part with its decimal comma read, and the unit. */
function numberWithUnit(v: string, unitPattern: string, ctx: z.core.$RefinementCtx): { value: number; unit: string } | string {
  const parts = new RegExp(`^\\s*([-+\\d.,_]+)\\s*(${unitPattern})?\\s*$`, 'i').exec(v);
  if (!parts) return v;
  const number = readDecimal(parts[1]!, ctx);
  if (number === z.NEVER) return z.NEVER;
  if (!/^\d+(\.\d+)?$/.test(number)) return v;
  return { value: Number(number), unit: (parts[2] ?? '').toLowerCase() };
}

/** "7B", "70b", "1.5B", "1,5B", "350M", or a plain number. */
const parameterCountSchema = z.preprocess(
  (v, ctx) => {
    if (typeof v !== 'string') return v;
    const read = numberWithUnit(v, '[kmbt]', ctx);
    if (typeof read !== 'object') return read;
    const unit = { '': 1, k: 1e3, m: 1e6, b: 1e9, t: 1e12 }[read.unit as '' | 'k' | 'm' | 'b' | 't'];
    return Math.round(read.value * unit);
  },
  positiveInt('parameterCount', 10e12),
);

/** Bytes, or "15GB", "14.9 GiB", "14,9GiB", "800MB". */
const sizeSchema = z.preprocess(
  (v, ctx) => {
    if (typeof v !== 'string') return v;
    const read = numberWithUnit(v, 'B|KB|MB|GB|TB|KiB|MiB|GiB|TiB', ctx);
    if (typeof read !== 'object') return read;
    const units: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };
    return Math.round(read.value * units[read.unit || 'b']!);
  },
  z.number({ error: m.sizeFormat }).int().min(0).max(1e15, m.sizeTooBig),
);

export function versionSchema() {
  return z.object({
    label: z
      .string({ error: m.labelRequired })
      .trim()
      .regex(/^[A-Za-z0-9][-A-Za-z0-9_.+]{0,39}$/, m.labelFormat),
    artifactUri: artifactUriSchema,
    format: z.enum(modelFormats, { error: msg(m.oneOf, { options: modelFormats.join(', ') }) }),
    quantization: z.enum(quantizations, { error: msg(m.oneOf, { options: quantizations.join(', ') }) }),
    parameterCount: parameterCountSchema,
    contextLength: positiveInt('contextLength', 10_000_000),
    sizeBytes: sizeSchema,
    sha256: z
      .string({ error: m.sha256Required })
      .trim()
      .transform((v) => v.replace(/^sha256:/, '').toLowerCase())
      .pipe(z.string().regex(/^[0-9a-f]{64}$/, m.sha256Format)),
    modelCard: z.preprocess((v) => v ?? '', z.string().max(100_000, msg(m.maxChars, { max: 100_000 }))),
    datasets: listOf(datasetIdSchema, 50, m.tooManyDatasets),
    evaluations: z.preprocess((v) => (v === undefined || v === '' ? [] : v), evaluationsSchema()).optional(),
  });
}

const evaluationSchema = z.object({
  metric: text(80, m.metricRequired),
  value: decimalInput(z.coerce.number({ error: m.valueNumber }).refine(Number.isFinite, m.valueNumber)),
  dataset: text(120, m.evaluationDatasetRequired),
  date: z.iso.date({ error: m.dateFormat }),
});

/**
 * Evaluation results: an array of { metric, value, dataset, date }, or text with one per
 * line as `metric, value, dataset, YYYY-MM-DD` (CI pipelines and the form use both). A line
 * may separate its fields with ";" or a tab instead, so a value can carry a decimal comma
 * ("MMLU; 0,82; mmlu; 2024-07-23"); a comma-separated line with a decimal comma has five
 * fields and is refused with that reason, not read as something else.
 */
export function evaluationsSchema() {
  return z.preprocess(
    (v, ctx) => {
      if (typeof v !== 'string') return v;
      return v
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean)
        .map((l, i) => {
          const separator = l.includes('\t') ? '\t' : l.includes(';') ? ';' : ',';
          const fields = l.split(separator).map((s) => s.trim());
          if (fields.length !== 4) {
            const key = fields.length > 4 ? m.evaluationTooManyFields : m.evaluationTooFewFields;
            ctx.addIssue({ code: 'custom', message: msg(key, { count: String(fields.length) }), path: [i], input: l });
          }
          const [metric, value, dataset, date] = fields;
          return { metric, value, dataset, date };
        });
    },
    z.array(evaluationSchema).max(200, msg(m.tooManyEvaluations, { max: 200 })),
  );
}

export function stageChangeSchema() {
  return z.object({
    stage: z.enum(modelStages, { error: msg(m.oneOf, { options: modelStages.join(', ') }) }),
    reason: z.preprocess((v) => v ?? '', z.string().trim().max(500, msg(m.maxChars, { max: 500 }))),
  });
}

export function promotionRequestSchema() {
  return z.object({ reason: text(500, m.promotionReasonRequired) });
}

export function promotionDecisionSchema() {
  return z.object({
    decision: z.enum(['approve', 'reject'], { error: m.approveOrReject }),
    note: z.preprocess((v) => v ?? '', z.string().trim().max(500, msg(m.maxChars, { max: 500 }))),
  });
}

const quantity = (required: ModelMessageKey, format: ModelMessageKey) =>
  z
    .string({ error: required })
    .trim()
    .refine((v) => isQuantityText(v), format);

/** Engine settings and sizing shared by a new deployment and a placement check. */
export function deploymentSchema() {
  return z.object({
    name: z.preprocess(blankToUndefined, modelNameSchema.optional()),
    versionId: z.string({ error: m.chooseVersion }).uuid(m.chooseVersion),
    engine: z.enum(inferenceEngines, { error: msg(m.oneOf, { options: inferenceEngines.join(', ') }) }),
    target: z.preprocess(blankToUndefined, z.string().default('platform')).pipe(
      z.string().regex(/^(platform|tenant:[a-z0-9]([-a-z0-9]*[a-z0-9])?)$/, m.chooseTarget),
    ),
    replicas: z.preprocess(blankToUndefined, positiveInt('replicas', 64).default(1)),
    gpusPerReplica: z.preprocess(
      blankToUndefined,
      z.coerce.number().int(m.wholeGpus).min(0, m.atLeastZeroGpus).max(16, msg(m.atMostGpus, { max: 16 })).default(1),
    ),
    gpuProduct: z.preprocess(blankToUndefined, z.string().trim().max(120).optional()),
    pool: z.preprocess(blankToUndefined, z.string().trim().max(63).optional()),
    cpu: z.preprocess(blankToUndefined, quantity(m.cpuRequired, m.cpuFormat).default('8')),
    memory: z.preprocess(blankToUndefined, quantity(m.memoryRequired, m.memoryFormat).default('64Gi')),
    tensorParallelSize: z.preprocess(blankToUndefined, positiveInt('tensorParallel', 16).optional()),
    maxModelLen: z.preprocess(blankToUndefined, positiveInt('maxModelLen', 10_000_000).optional()),
    gpuMemoryUtilization: z.preprocess(
      blankToUndefined,
      decimalInput(
        z.coerce
          .number({ error: m.gpuMemoryFraction })
          .min(0.1, m.gpuMemoryFraction)
          .max(0.99, m.gpuMemoryFraction)
          .optional(),
      ),
    ),
    extraArgs: listOf(
      z.string().max(200, msg(m.extraArgTooLong, { max: 200 })).regex(/^-/, m.extraArgFlag),
      30,
      m.tooManyExtraArgs,
    ),
    reason: z.preprocess((v) => v ?? '', z.string().trim().max(500, msg(m.maxChars, { max: 500 }))),
  });
}

/**
 * Changing a deployment's sizing, node selection and engine settings (not its model, engine or
 * namespace). `revision` is the revision the operator saw: a change made meanwhile is refused.
 */
export function deploymentUpdateSchema(requireReason = true) {
  return deploymentSchema()
    .pick({ replicas: true, gpusPerReplica: true, gpuProduct: true, pool: true, cpu: true, memory: true, tensorParallelSize: true, maxModelLen: true, gpuMemoryUtilization: true, extraArgs: true })
    .extend({
      revision: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).optional()),
      reason: requireReason ? text(500, m.updateReasonRequired) : z.preprocess((v) => v ?? '', z.string().trim().max(500, msg(m.maxChars, { max: 500 }))),
    });
}

export function canaryStartSchema() {
  return z.object({
    versionId: z.string({ error: m.chooseVersion }).uuid(m.chooseVersion),
    weight: z.coerce.number({ error: m.percentage }).int(m.wholePercentage).min(1, m.atLeastOnePercent).max(99, m.atMostPercent),
    replicas: z.preprocess(blankToUndefined, positiveInt('canaryReplicas', 16).default(1)),
    reason: text(500, m.canaryReasonRequired),
  });
}

export function canaryStepSchema() {
  return z.object({
    weight: z.coerce.number({ error: m.percentage }).int(m.wholePercentage).min(1, m.atLeastOnePercent).max(99, m.atMostPercent),
    reason: z.preprocess((v) => v ?? '', z.string().trim().max(500, msg(m.maxChars, { max: 500 }))),
  });
}

export function reasonSchema(required: boolean) {
  return z.object({
    reason: required
      ? text(500, m.reasonRequired)
      : z.preprocess((v) => v ?? '', z.string().trim().max(500, msg(m.maxChars, { max: 500 }))),
  });
}

export type ModelInput = z.output<ReturnType<typeof modelSchema>>;
export type VersionInput = z.output<ReturnType<typeof versionSchema>>;
export type EvaluationInput = z.output<typeof evaluationSchema>;
export type DeploymentInput = z.output<ReturnType<typeof deploymentSchema>>;
export type DeploymentUpdateInput = z.output<ReturnType<typeof deploymentUpdateSchema>>;
