import { z } from 'zod';
import { budgetPeriods } from '../../db/schema/tenants';
import { InputError, type FieldErrors } from '../core/errors';
import { isQuantityText } from '../kube';

/** Parses with a schema; refused input becomes InputError with a message per field. */
export function parseTenantInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fieldErrors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path.length > 0 ? String(issue.path[0]) : '_form';
    (fieldErrors[field] ??= []).push(issue.message);
  }
  throw new InputError('Some fields need attention.', fieldErrors);
}

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** Slugs name the namespace `tenant-<slug>`: a DNS label of at most 63 characters in all. */
export const slugSchema = z
  .string({ error: 'Enter a short name of lower-case letters, digits and dashes.' })
  .trim()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'Use lower-case letters, digits and dashes; start and end with a letter or digit.')
  .max(40, 'At most 40 characters (the namespace adds "tenant-").');

const nameSchema = z.string({ error: 'Enter a name.' }).trim().min(1, 'Enter a name.').max(120, 'At most 120 characters.');
const costCentreSchema = z.preprocess(blankToUndefined, z.string().trim().max(60, 'At most 60 characters.').optional());

/** One contact per line: `Name <email>` or just an email address. */
const contactsSchema = z.preprocess(
  (v) => (v === undefined ? '' : v),
  z.string().transform((text, ctx) => {
    const contacts: Array<{ name: string; email: string }> = [];
    for (const [i, raw] of text.split(/\r?\n/).entries()) {
      const line = raw.trim();
      if (!line) continue;
      const m = /^(?:(.*?)\s*<([^<>\s]+@[^<>\s]+)>|([^<>\s]+@[^<>\s]+))$/.exec(line);
      if (!m) {
        ctx.addIssue({ code: 'custom', message: `Line ${i + 1}: write "Name <email@example.org>" or an email address.` });
        continue;
      }
      const email = (m[2] ?? m[3])!;
      contacts.push({ name: (m[1] ?? '').trim() || email, email });
    }
    if (contacts.length > 20) ctx.addIssue({ code: 'custom', message: 'At most 20 contacts.' });
    return contacts;
  }),
);

export function createTenantSchema() {
  return z.object({ slug: slugSchema, name: nameSchema, costCentre: costCentreSchema, contacts: contactsSchema });
}

export function updateTenantSchema() {
  return z.object({ name: nameSchema, costCentre: costCentreSchema, contacts: contactsSchema });
}

const count = (what: string) =>
  z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ error: `${what}: a whole number of 0 or more, or empty for no limit.` })
      .int(`${what}: a whole number of 0 or more, or empty for no limit.`)
      .min(0, `${what}: a whole number of 0 or more, or empty for no limit.`)
      .max(1_000_000, `${what}: at most 1,000,000.`)
      .optional(),
  );

const quantity = (what: string, example: string) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .refine((v) => isQuantityText(v) && !v.startsWith('-'), `${what}: a Kubernetes quantity such as ${example}, or empty.`)
      .optional(),
  );

/** MIG quota lines `1g.10gb=4` (one per line or comma-separated). */
const migSchema = z.preprocess(
  (v) => (v === undefined ? '' : v),
  z.string().transform((text, ctx) => {
    const out: Record<string, number> = {};
    for (const part of text.split(/[\n,]/)) {
      const line = part.trim();
      if (!line) continue;
      const m = /^(?:nvidia\.com\/mig-)?(\d+g\.\d+gb)\s*=\s*(\d+)$/.exec(line);
      if (!m) {
        ctx.addIssue({ code: 'custom', message: `"${line}": write a MIG profile and a count, e.g. 1g.10gb=4.` });
        continue;
      }
      out[m[1]!] = Number(m[2]);
    }
    return out;
  }),
);

export function quotaSchema() {
  return z.object({
    gpus: count('GPUs'),
    mig: migSchema,
    cpu: quantity('CPU', '64 or 500m'),
    memory: quantity('Memory', '256Gi'),
    pods: count('Pods'),
    cpuRequest: quantity('Default CPU request', '500m'),
    cpuLimit: quantity('Default CPU limit', '2'),
    memoryRequest: quantity('Default memory request', '1Gi'),
    memoryLimit: quantity('Default memory limit', '4Gi'),
  });
}

const modelName = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

/** Allowed models, one per line: `name`, optionally `rpm=60 tpm=100000`. */
const modelsSchema = z.preprocess(
  (v) => (v === undefined ? '' : v),
  z.string().transform((text, ctx) => {
    const out: Array<{ model: string; requestsPerMinute: number | null; tokensPerMinute: number | null }> = [];
    for (const [i, raw] of text.split(/\r?\n/).entries()) {
      const line = raw.trim();
      if (!line) continue;
      const [model = '', ...rest] = line.split(/\s+/);
      const limits: Record<string, number> = {};
      let bad = !modelName.test(model);
      for (const r of rest) {
        const m = /^(rpm|tpm)=(\d{1,12})$/.exec(r);
        if (m) limits[m[1]!] = Number(m[2]);
        else bad = true;
      }
      if (bad) {
        ctx.addIssue({ code: 'custom', message: `Line ${i + 1}: write a model name, optionally followed by rpm=<n> tpm=<n>.` });
        continue;
      }
      if (out.some((o) => o.model === model)) {
        ctx.addIssue({ code: 'custom', message: `Line ${i + 1}: ${model} is listed twice.` });
        continue;
      }
      out.push({ model, requestsPerMinute: limits.rpm ?? null, tokensPerMinute: limits.tpm ?? null });
    }
    return out;
  }),
);

export function limitsSchema() {
  return z.object({
    tokenBudget: z.preprocess(
      blankToUndefined,
      z.coerce.number({ error: 'Tokens: a whole number, or empty for no budget.' }).int('Tokens: a whole number.').min(0, 'Tokens: 0 or more.').max(1e15, 'Tokens: at most 10^15.').optional(),
    ),
    budgetPeriod: z.enum(budgetPeriods, { error: 'Choose day or month.' }).default('month'),
    alertThresholdPercent: z.preprocess(
      (v) => blankToUndefined(v) ?? 80,
      z.coerce.number({ error: 'A percentage from 1 to 100.' }).int('A whole percentage.').min(1, 'At least 1 %.').max(100, 'At most 100 %.'),
    ),
    requestsPerMinute: count('Requests per minute'),
    tokensPerMinute: count('Tokens per minute'),
    models: modelsSchema,
  });
}

export type CreateTenantInput = z.output<ReturnType<typeof createTenantSchema>>;
export type UpdateTenantInput = z.output<ReturnType<typeof updateTenantSchema>>;
export type QuotaInput = z.output<ReturnType<typeof quotaSchema>>;
export type LimitsInput = z.output<ReturnType<typeof limitsSchema>>;
