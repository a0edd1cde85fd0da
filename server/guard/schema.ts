import { z } from 'zod';
import { owaspSlugs, type OwaspSlug } from './owasp';
import { codeLanguages } from './scanners/code-injection';
import { injectionLanguages } from './scanners/prompt-injection';
import { piiEntities } from './scanners/pii';
import { MAX_PATTERNS, regexPatternProblem } from './scanners/regex';
import { safetyCategoryCodes, type SafetyCategory } from './scanners/safety';
import { secretDetectors } from './scanners/secrets';
import { tokenEncodings } from './scanners/tokenizer';

/**
 * The policy definition: what a policy version holds, shared by the API, the UI and the
 * compilers. Each check has a stable `id` (unique in the version), a `kind`, the
 * `direction` it applies to, its `action` when it finds something, and kind-specific
 * `params` with defaults.
 */
export const checkKinds = [
  'token-limit',
  'invisible-text',
  'prompt-injection',
  'pii',
  'secrets',
  'ban-substrings',
  'regex',
  'topics',
  'safety',
  'code-injection',
] as const;
export type CheckKind = (typeof checkKinds)[number];

export const checkActions = ['block', 'redact', 'log'] as const;
export type CheckAction = (typeof checkActions)[number];

export const checkDirections = ['input', 'output'] as const;
export type CheckDirection = (typeof checkDirections)[number];

/** OWASP tags each kind addresses (stable slugs; see owasp.ts for the edition numbers). */
export const kindTags: Record<CheckKind, readonly OwaspSlug[]> = {
  'token-limit': ['owasp-llm:unbounded-consumption'],
  'invisible-text': ['owasp-llm:prompt-injection'],
  'prompt-injection': ['owasp-llm:prompt-injection', 'owasp-llm:system-prompt-leakage'],
  pii: ['owasp-llm:sensitive-information-disclosure'],
  secrets: ['owasp-llm:sensitive-information-disclosure', 'owasp-llm:system-prompt-leakage'],
  'ban-substrings': ['owasp-llm:sensitive-information-disclosure'],
  regex: ['owasp-llm:sensitive-information-disclosure'],
  topics: ['owasp-llm:excessive-agency', 'owasp-llm:misinformation'],
  safety: ['owasp-llm:improper-output-handling', 'owasp-llm:misinformation', 'owasp-llm:excessive-agency'],
  'code-injection': ['owasp-llm:improper-output-handling', 'owasp-llm:excessive-agency'],
};

/** Kinds that only decide and find no text to replace, so `redact` means nothing for them. */
const unredactableKinds: ReadonlySet<CheckKind> = new Set(['token-limit', 'safety']);

const list = <T extends z.ZodType>(item: T, max: number, field: string) =>
  z.array(item).max(max, `at most ${max} ${field}`);

export const tokenLimitParamsSchema = z.object({
  limit: z.int('a whole number').min(1, 'at least 1').max(2_000_000, 'at most 2,000,000').default(8192),
  encoding: z.enum(tokenEncodings).default('cl100k_base'),
});

export const invisibleTextParamsSchema = z.object({
  allowEmojiSequences: z.boolean().default(true),
});

export const promptInjectionParamsSchema = z.object({
  threshold: z.number().min(0.05, 'at least 0.05').max(1, 'at most 1').default(0.5),
  languages: list(z.enum(injectionLanguages), 2, 'languages').min(1, 'choose at least one language').default(['en', 'de']),
});

export const piiParamsSchema = z.object({
  entities: list(z.enum(piiEntities), piiEntities.length, 'entities')
    .min(1, 'choose at least one kind of personal data')
    .default([...piiEntities]),
  defaultCountry: z
    .string()
    .regex(/^[A-Z]{2}$/, 'a two-letter country code such as DE')
    .default('DE'),
});

export const secretsParamsSchema = z.object({
  detectors: list(z.enum(secretDetectors), secretDetectors.length, 'detectors')
    .min(1, 'choose at least one detector')
    .default([...secretDetectors]),
  entropyThreshold: z.number().min(3, 'at least 3').max(6, 'at most 6').default(4.2),
  minEntropyLength: z.int().min(16, 'at least 16').max(256, 'at most 256').default(24),
});

export const banSubstringsParamsSchema = z.object({
  substrings: list(z.string().min(1, 'empty entries are not allowed').max(200, 'at most 200 characters'), 5000, 'substrings').min(
    1,
    'add at least one substring',
  ),
  matchType: z.enum(['str', 'word']).default('word'),
  caseSensitive: z.boolean().default(false),
  containsAll: z.boolean().default(false),
});

export const regexParamsSchema = z.object({
  patterns: list(z.string(), MAX_PATTERNS, 'patterns').min(1, 'add at least one pattern'),
  caseSensitive: z.boolean().default(true),
});

export const topicsParamsSchema = z.object({
  topics: list(
    z.object({
      name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'lowercase letters, digits and hyphens, e.g. weapons'),
      keywords: list(z.string().min(2, 'at least 2 characters').max(100, 'at most 100 characters'), 500, 'keywords').min(
        1,
        'add at least one keyword',
      ),
    }),
    50,
    'topics',
  ).min(1, 'add at least one topic'),
  minMatches: z.int().min(1, 'at least 1').max(20, 'at most 20').default(1),
});

const allCategories = Object.fromEntries(safetyCategoryCodes.map((c) => [c, true])) as Record<SafetyCategory, boolean>;

export const safetyParamsSchema = z.object({
  categories: z
    .object(Object.fromEntries(safetyCategoryCodes.map((c) => [c, z.boolean().default(true)])) as Record<
      SafetyCategory,
      z.ZodDefault<z.ZodBoolean>
    >)
    .default(allCategories),
  timeoutMs: z.int().min(100, 'at least 100 ms').max(60_000, 'at most 60,000 ms').default(5000),
});

export const codeInjectionParamsSchema = z.object({
  languages: list(z.enum(codeLanguages), codeLanguages.length, 'languages')
    .min(1, 'choose at least one language')
    .default([...codeLanguages]),
});

const checkBase = {
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and hyphens, starting with a letter or digit'),
  direction: z.enum(checkDirections),
  action: z.enum(checkActions),
  enabled: z.boolean().default(true),
  /** Extra OWASP tags besides the kind's own. */
  tags: list(z.enum(owaspSlugs), owaspSlugs.length, 'tags').default([]),
};

export const checkSchema = z.discriminatedUnion('kind', [
  z.object({ ...checkBase, kind: z.literal('token-limit'), params: tokenLimitParamsSchema.default(tokenLimitParamsSchema.parse({})) }),
  z.object({
    ...checkBase,
    kind: z.literal('invisible-text'),
    params: invisibleTextParamsSchema.default(invisibleTextParamsSchema.parse({})),
  }),
  z.object({
    ...checkBase,
    kind: z.literal('prompt-injection'),
    params: promptInjectionParamsSchema.default(promptInjectionParamsSchema.parse({})),
  }),
  z.object({ ...checkBase, kind: z.literal('pii'), params: piiParamsSchema.default(piiParamsSchema.parse({})) }),
  z.object({ ...checkBase, kind: z.literal('secrets'), params: secretsParamsSchema.default(secretsParamsSchema.parse({})) }),
  z.object({ ...checkBase, kind: z.literal('ban-substrings'), params: banSubstringsParamsSchema }),
  z.object({ ...checkBase, kind: z.literal('regex'), params: regexParamsSchema }),
  z.object({ ...checkBase, kind: z.literal('topics'), params: topicsParamsSchema }),
  z.object({ ...checkBase, kind: z.literal('safety'), params: safetyParamsSchema.default(safetyParamsSchema.parse({})) }),
  z.object({
    ...checkBase,
    kind: z.literal('code-injection'),
    params: codeInjectionParamsSchema.default(codeInjectionParamsSchema.parse({})),
  }),
]);
export type Check = z.infer<typeof checkSchema>;
export type CheckInput = z.input<typeof checkSchema>;
export type CheckOf<K extends CheckKind> = Extract<Check, { kind: K }>;

export const policyDefinitionSchema = z
  .object({
    checks: list(checkSchema, 100, 'checks'),
  })
  .superRefine((definition, ctx) => {
    const seen = new Set<string>();
    definition.checks.forEach((check, index) => {
      if (seen.has(check.id)) {
        ctx.addIssue({ code: 'custom', path: ['checks', index, 'id'], message: `The id "${check.id}" is used twice.` });
      }
      seen.add(check.id);
      if (check.action === 'redact' && unredactableKinds.has(check.kind)) {
        ctx.addIssue({
          code: 'custom',
          path: ['checks', index, 'action'],
          message: `A ${check.kind} check finds no text to replace; choose block or log.`,
        });
      }
      if (check.kind === 'regex') {
        check.params.patterns.forEach((pattern, p) => {
          const problem = regexPatternProblem(pattern);
          if (problem) ctx.addIssue({ code: 'custom', path: ['checks', index, 'params', 'patterns', p], message: problem });
        });
      }
    });
  });
export type PolicyDefinition = z.infer<typeof policyDefinitionSchema>;
export type PolicyDefinitionInput = z.input<typeof policyDefinitionSchema>;

/** Prompts: size, hidden characters, injection, personal data (redacted) and secrets. */
export const defaultInputPolicy: PolicyDefinition = policyDefinitionSchema.parse({
  checks: [
    { id: 'input-token-limit', kind: 'token-limit', direction: 'input', action: 'block' },
    { id: 'input-invisible-text', kind: 'invisible-text', direction: 'input', action: 'redact' },
    { id: 'input-prompt-injection', kind: 'prompt-injection', direction: 'input', action: 'block' },
    { id: 'input-pii', kind: 'pii', direction: 'input', action: 'redact' },
    { id: 'input-secrets', kind: 'secrets', direction: 'input', action: 'block' },
  ],
} satisfies PolicyDefinitionInput);

/** Answers: personal data and secrets (redacted), hidden characters, dangerous code. */
export const defaultOutputPolicy: PolicyDefinition = policyDefinitionSchema.parse({
  checks: [
    { id: 'output-invisible-text', kind: 'invisible-text', direction: 'output', action: 'redact' },
    { id: 'output-pii', kind: 'pii', direction: 'output', action: 'redact' },
    { id: 'output-secrets', kind: 'secrets', direction: 'output', action: 'redact' },
    { id: 'output-code-injection', kind: 'code-injection', direction: 'output', action: 'block' },
  ],
} satisfies PolicyDefinitionInput);

/** The OWASP tags of a check: its kind's plus any the author added. */
export function checkTags(check: Check): OwaspSlug[] {
  return [...new Set([...kindTags[check.kind], ...check.tags])];
}
