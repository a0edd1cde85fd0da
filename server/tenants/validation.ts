import { z } from 'zod';
import { budgetPeriods } from '../../db/schema/tenants';
import { InputError, type FieldErrors } from '../core/errors';
import { isQuantityText } from '../kube';
import { type TenantMessageKey, issueMessage, msg, tenantMessages as tm } from './messages';

/** Parses with a schema; refused input becomes InputError with a message key per field. */
export function parseTenantInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fieldErrors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path.length > 0 ? String(issue.path[0]) : '_form';
    (fieldErrors[field] ??= []).push(issueMessage(issue));
  }
  throw new InputError(tm.invalidInput, fieldErrors);
}

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** Slugs name the namespace `tenant-<slug>`: a DNS label of at most 63 characters in all. */
export const slugSchema = z
  .string({ error: tm.slugRequired })
  .trim()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, tm.slugFormat)
  .max(40, tm.slugTooLong);

const nameSchema = z.string({ error: tm.nameRequired }).trim().min(1, tm.nameRequired).max(120, msg(tm.maxChars, { max: 120 }));
const costCentreSchema = z.preprocess(blankToUndefined, z.string().trim().max(60, msg(tm.maxChars, { max: 60 })).optional());

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
        ctx.addIssue({ code: 'custom', message: msg(tm.contactLine, { line: String(i + 1) }) });
        continue;
      }
      const email = (m[2] ?? m[3])!;
      contacts.push({ name: (m[1] ?? '').trim() || email, email });
    }
    if (contacts.length > 20) ctx.addIssue({ code: 'custom', message: msg(tm.tooManyContacts, { max: 20 }) });
    return contacts;
  }),
);

export function createTenantSchema() {
  return z.object({ slug: slugSchema, name: nameSchema, costCentre: costCentreSchema, contacts: contactsSchema });
}

export function updateTenantSchema() {
  return z.object({ name: nameSchema, costCentre: costCentreSchema, contacts: contactsSchema });
}

/** `what` is a key: the field's name in the reader's language. */
const count = (what: TenantMessageKey) =>
  z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ error: msg(tm.countFormat, { what }) })
      .int(msg(tm.countFormat, { what }))
      .min(0, msg(tm.countFormat, { what }))
      .max(1_000_000, msg(tm.countTooBig, { what, max: 1_000_000 }))
      .optional(),
  );

const quantity = (what: TenantMessageKey, example: string, other?: string) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .refine((v) => isQuantityText(v) && !v.startsWith('-'), other ? msg(tm.quantityFormatEither, { what, example, other }) : msg(tm.quantityFormat, { what, example }))
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
        ctx.addIssue({ code: 'custom', message: msg(tm.migLine, { line }) });
        continue;
      }
      out[m[1]!] = Number(m[2]);
    }
    return out;
  }),
);

export function quotaSchema() {
  return z.object({
    gpus: count(tm.whatGpus),
    mig: migSchema,
    cpu: quantity(tm.whatCpu, '64', '500m'),
    memory: quantity(tm.whatMemory, '256Gi'),
    pods: count(tm.whatPods),
    cpuRequest: quantity(tm.whatCpuRequest, '500m'),
    cpuLimit: quantity(tm.whatCpuLimit, '2'),
    memoryRequest: quantity(tm.whatMemoryRequest, '1Gi'),
    memoryLimit: quantity(tm.whatMemoryLimit, '4Gi'),
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
        ctx.addIssue({ code: 'custom', message: msg(tm.modelLine, { line: String(i + 1) }) });
        continue;
      }
      if (out.some((o) => o.model === model)) {
        ctx.addIssue({ code: 'custom', message: msg(tm.modelTwice, { line: String(i + 1), model }) });
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
      z.coerce.number({ error: tm.tokensNumber }).int(tm.tokensWhole).min(0, tm.tokensMin).max(1e15, tm.tokensMax).optional(),
    ),
    budgetPeriod: z.enum(budgetPeriods, { error: tm.chooseDayOrMonth }).default('month'),
    alertThresholdPercent: z.preprocess(
      (v) => blankToUndefined(v) ?? 80,
      z.coerce.number({ error: tm.percentage }).int(tm.wholePercentage).min(1, tm.atLeastOnePercent).max(100, tm.atMostPercent),
    ),
    requestsPerMinute: count(tm.whatRequestsPerMinute),
    tokensPerMinute: count(tm.whatTokensPerMinute),
    models: modelsSchema,
  });
}

export type CreateTenantInput = z.output<ReturnType<typeof createTenantSchema>>;
export type UpdateTenantInput = z.output<ReturnType<typeof updateTenantSchema>>;
export type QuotaInput = z.output<ReturnType<typeof quotaSchema>>;
export type LimitsInput = z.output<ReturnType<typeof limitsSchema>>;

/**
 * Archiving deletes the tenant's namespace: it is confirmed by typing the tenant's slug (as
 * GitHub asks for a repository's name), so a stray click or a replayed form does nothing.
 */
export function archiveConfirmationSchema(slug: string) {
  const mismatch = msg(tm.archiveConfirm, { slug });
  return z.object({ confirmSlug: z.string({ error: mismatch }).trim().refine((v) => v === slug, mismatch) });
}
