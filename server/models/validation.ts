import { z } from 'zod';
import { inferenceEngines, modelFormats, modelStages, quantizations } from '../../db/schema/models';
import { type FieldErrors, InputError } from '../core/errors';
import { isQuantityText } from '../kube';

/** Parses with a schema; refused input becomes InputError with a message per field. */
export function parseModelInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const fieldErrors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '_form';
    (fieldErrors[field] ??= []).push(issue.message);
  }
  throw new InputError('Some fields need attention.', fieldErrors);
}

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** A list from an array, or from text with one item per line or comma. */
const listOf = (item: z.ZodType<string>, max: number, what: string) =>
  z.preprocess(
    (v) => {
      if (v === undefined || v === null) return [];
      const raw = Array.isArray(v) ? v.flatMap((x) => String(x).split(/[\n,]/)) : String(v).split(/[\n,]/);
      return [...new Set(raw.map((s) => s.trim()).filter(Boolean))];
    },
    z.array(item).max(max, `At most ${max} ${what}.`),
  );

/** Model names name Kubernetes objects and the served model: a DNS label, starting with a letter. */
export const modelNameSchema = z
  .string({ error: 'Enter a name.' })
  .trim()
  .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, 'Use lower-case letters, digits and dashes; start with a letter, end with a letter or digit.')
  .max(40, 'At most 40 characters (Kubernetes object names are built from it).')
  // These name pages under /models/.
  .refine((v) => !['new', 'deployments', 'approvals', 'promotions'].includes(v), 'This name is reserved; choose another.');

const text = (max: number, empty: string) => z.string({ error: empty }).trim().min(1, empty).max(max, `At most ${max} characters.`);

const tagSchema = z
  .string()
  .regex(/^[a-z0-9][-a-z0-9_.:]{0,39}$/, 'Tags are lower-case letters, digits and - _ . : (at most 40 characters each).');
const datasetIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][-A-Za-z0-9_.:/]{0,119}$/, 'Dataset ids are letters, digits and - _ . : / (at most 120 characters each).');

export function modelSchema() {
  return z.object({
    name: modelNameSchema,
    family: text(60, 'Enter the model family (e.g. llama, mistral, qwen).'),
    owner: text(120, 'Enter the owning team or person.'),
    description: z.preprocess((v) => v ?? '', z.string().trim().max(2000, 'At most 2,000 characters.')),
    license: text(120, 'Enter the licence (e.g. apache-2.0, llama3.1).'),
    tags: listOf(tagSchema, 20, 'tags'),
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
  .string({ error: 'Enter where the weights are.' })
  .trim()
  .min(1, 'Enter where the weights are.')
  .max(1000, 'At most 1,000 characters.')
  .refine(
    (v) =>
      /^s3:\/\/[a-z0-9][-a-z0-9.]{1,61}[a-z0-9](\/[^\s]*)?$/.test(v) ||
      /^pvc:\/\/[a-z0-9]([-a-z0-9]*[a-z0-9])?(\/[^\s]*)?$/.test(v) ||
      /^oci:\/\/[a-z0-9][-a-z0-9.:]*(\/[-a-z0-9._]+)+(:[\w][\w.-]{0,127}|@sha256:[0-9a-f]{64})?$/.test(v) ||
      /^https?:\/\/[a-z0-9][-a-z0-9.:]*(\/[^\s]*)?$/.test(v) ||
      /^\/[^\s]+$/.test(v),
    'Use s3://bucket/key, pvc://claim/path, oci://registry/repository:tag, an https:// URL on the internal mirror, or an absolute path on the mirror.',
  );

const positiveInt = (what: string, max: number) =>
  z.coerce
    .number({ error: `Enter ${what} as a whole number.` })
    .int(`Enter ${what} as a whole number.`)
    .min(1, `${what[0]!.toUpperCase()}${what.slice(1)} must be at least 1.`)
    .max(max, `${what[0]!.toUpperCase()}${what.slice(1)} must be at most ${max.toLocaleString('en')}.`);

/** "7B", "70b", "1.5B", "350M", or a plain number. */
const parameterCountSchema = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmMbBtT]?)\s*$/.exec(v.replace(/[_,]/g, ''));
    if (!m) return v;
    const unit = { '': 1, k: 1e3, m: 1e6, b: 1e9, t: 1e12 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'b' | 't'];
    return Math.round(Number(m[1]) * unit);
  },
  positiveInt('the parameter count', 10e12),
);

/** Bytes, or "15GB", "14.9 GiB", "800MB". */
const sizeSchema = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?\s*$/i.exec(v.replace(/[_,]/g, ''));
    if (!m) return v;
    const units: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };
    return Math.round(Number(m[1]) * units[(m[2] ?? 'b').toLowerCase()]!);
  },
  z.number({ error: 'Enter the size in bytes or with a unit (e.g. 16GB, 14.9GiB).' }).int().min(0).max(1e15, 'That is larger than any model.'),
);

export function versionSchema() {
  return z.object({
    label: z
      .string({ error: 'Enter a version label.' })
      .trim()
      .regex(/^[A-Za-z0-9][-A-Za-z0-9_.+]{0,39}$/, 'Use letters, digits and - _ . + (at most 40 characters), e.g. 2024-07 or v1.2.'),
    artifactUri: artifactUriSchema,
    format: z.enum(modelFormats, { error: `One of ${modelFormats.join(', ')}.` }),
    quantization: z.enum(quantizations, { error: `One of ${quantizations.join(', ')}.` }),
    parameterCount: parameterCountSchema,
    contextLength: positiveInt('the context length', 10_000_000),
    sizeBytes: sizeSchema,
    sha256: z
      .string({ error: 'Enter the SHA-256 digest.' })
      .trim()
      .transform((v) => v.replace(/^sha256:/, '').toLowerCase())
      .pipe(z.string().regex(/^[0-9a-f]{64}$/, 'A SHA-256 digest is 64 hexadecimal characters.')),
    modelCard: z.preprocess((v) => v ?? '', z.string().max(100_000, 'At most 100,000 characters.')),
    datasets: listOf(datasetIdSchema, 50, 'datasets'),
    evaluations: z.preprocess((v) => (v === undefined || v === '' ? [] : v), evaluationsSchema()).optional(),
  });
}

const evaluationSchema = z.object({
  metric: text(80, 'Enter the metric.'),
  value: z.coerce.number({ error: 'Enter the value as a number.' }).refine(Number.isFinite, 'Enter the value as a number.'),
  dataset: text(120, 'Enter the evaluation dataset.'),
  date: z.iso.date({ error: 'Enter the date as YYYY-MM-DD.' }),
});

/**
 * Evaluation results: an array of { metric, value, dataset, date }, or text with one per
 * line as `metric, value, dataset, YYYY-MM-DD` (CI pipelines and the form use both).
 */
export function evaluationsSchema() {
  return z.preprocess(
    (v) => {
      if (typeof v !== 'string') return v;
      return v
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean)
        .map((l) => {
          const [metric, value, dataset, date] = l.split(',').map((s) => s.trim());
          return { metric, value, dataset, date };
        });
    },
    z.array(evaluationSchema).max(200, 'At most 200 evaluation results at once.'),
  );
}

export function stageChangeSchema() {
  return z.object({
    stage: z.enum(modelStages, { error: `One of ${modelStages.join(', ')}.` }),
    reason: z.preprocess((v) => v ?? '', z.string().trim().max(500, 'At most 500 characters.')),
  });
}

export function promotionRequestSchema() {
  return z.object({ reason: text(500, 'Say why this version should go to production.') });
}

export function promotionDecisionSchema() {
  return z.object({
    decision: z.enum(['approve', 'reject'], { error: 'Approve or reject.' }),
    note: z.preprocess((v) => v ?? '', z.string().trim().max(500, 'At most 500 characters.')),
  });
}

const quantity = (what: string, example: string) =>
  z
    .string({ error: `Enter ${what}.` })
    .trim()
    .refine((v) => isQuantityText(v), `Enter ${what} as a Kubernetes quantity (e.g. ${example}).`);

/** Engine settings and sizing shared by a new deployment and a placement check. */
export function deploymentSchema() {
  return z.object({
    name: z.preprocess(blankToUndefined, modelNameSchema.optional()),
    versionId: z.string({ error: 'Choose a version.' }).uuid('Choose a version.'),
    engine: z.enum(inferenceEngines, { error: `One of ${inferenceEngines.join(', ')}.` }),
    target: z.preprocess(blankToUndefined, z.string().default('platform')).pipe(
      z.string().regex(/^(platform|tenant:[a-z0-9]([-a-z0-9]*[a-z0-9])?)$/, 'Choose the platform namespace or a tenant.'),
    ),
    replicas: z.preprocess(blankToUndefined, positiveInt('the number of replicas', 64).default(1)),
    gpusPerReplica: z.preprocess(
      blankToUndefined,
      z.coerce.number().int('Whole GPUs only.').min(0, 'At least 0 GPUs.').max(16, 'At most 16 GPUs per replica.').default(1),
    ),
    gpuProduct: z.preprocess(blankToUndefined, z.string().trim().max(120).optional()),
    pool: z.preprocess(blankToUndefined, z.string().trim().max(63).optional()),
    cpu: z.preprocess(blankToUndefined, quantity('the CPU per replica', '8 or 500m').default('8')),
    memory: z.preprocess(blankToUndefined, quantity('the memory per replica', '64Gi').default('64Gi')),
    tensorParallelSize: z.preprocess(blankToUndefined, positiveInt('the tensor-parallel size', 16).optional()),
    maxModelLen: z.preprocess(blankToUndefined, positiveInt('the maximum context length', 10_000_000).optional()),
    gpuMemoryUtilization: z.preprocess(
      blankToUndefined,
      z.coerce
        .number({ error: 'A fraction between 0.1 and 0.99.' })
        .min(0.1, 'A fraction between 0.1 and 0.99.')
        .max(0.99, 'A fraction between 0.1 and 0.99.')
        .optional(),
    ),
    extraArgs: listOf(
      z.string().max(200, 'At most 200 characters per argument.').regex(/^-/, 'Extra arguments are flags starting with "-" (one per line).'),
      30,
      'extra arguments',
    ),
    reason: z.preprocess((v) => v ?? '', z.string().trim().max(500, 'At most 500 characters.')),
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
      reason: requireReason ? text(500, 'Say why the deployment changes.') : z.preprocess((v) => v ?? '', z.string().trim().max(500, 'At most 500 characters.')),
    });
}

export function canaryStartSchema() {
  return z.object({
    versionId: z.string({ error: 'Choose a version.' }).uuid('Choose a version.'),
    weight: z.coerce.number({ error: 'A percentage from 1 to 99.' }).int('A whole percentage.').min(1, 'At least 1%.').max(99, 'At most 99% (promote for 100%).'),
    replicas: z.preprocess(blankToUndefined, positiveInt('the canary replicas', 16).default(1)),
    reason: text(500, 'Say why this canary starts.'),
  });
}

export function canaryStepSchema() {
  return z.object({
    weight: z.coerce.number({ error: 'A percentage from 1 to 99.' }).int('A whole percentage.').min(1, 'At least 1%.').max(99, 'At most 99% (promote for 100%).'),
    reason: z.preprocess((v) => v ?? '', z.string().trim().max(500, 'At most 500 characters.')),
  });
}

export function reasonSchema(required: boolean) {
  return z.object({
    reason: required
      ? text(500, 'Say why.')
      : z.preprocess((v) => v ?? '', z.string().trim().max(500, 'At most 500 characters.')),
  });
}

export type ModelInput = z.output<ReturnType<typeof modelSchema>>;
export type VersionInput = z.output<ReturnType<typeof versionSchema>>;
export type EvaluationInput = z.output<typeof evaluationSchema>;
export type DeploymentInput = z.output<ReturnType<typeof deploymentSchema>>;
export type DeploymentUpdateInput = z.output<ReturnType<typeof deploymentUpdateSchema>>;
