/**
 * OWASP Top 10 for LLM Applications, as stable tags. Editions renumber and rename items
 * (2023 v1.1 → 2025 v2.0 moved "Sensitive Information Disclosure" from LLM06 to LLM02), so
 * a check carries a slug that never changes, and the edition numbers are looked up here.
 * A new edition adds a column; slugs and stored policies stay as they are.
 */
export const owaspEditions = ['2023', '2025'] as const;
export type OwaspEdition = (typeof owaspEditions)[number];

export const owaspSlugs = [
  'owasp-llm:prompt-injection',
  'owasp-llm:sensitive-information-disclosure',
  'owasp-llm:supply-chain',
  'owasp-llm:data-and-model-poisoning',
  'owasp-llm:improper-output-handling',
  'owasp-llm:excessive-agency',
  'owasp-llm:system-prompt-leakage',
  'owasp-llm:vector-and-embedding-weaknesses',
  'owasp-llm:misinformation',
  'owasp-llm:unbounded-consumption',
  'owasp-llm:model-theft',
] as const;
export type OwaspSlug = (typeof owaspSlugs)[number];

export interface OwaspItem {
  slug: OwaspSlug;
  /** Identifier and title per edition; absent where the edition has no such item. */
  editions: Partial<Record<OwaspEdition, { id: string; title: string }>>;
}

export const owaspItems: Record<OwaspSlug, OwaspItem> = {
  'owasp-llm:prompt-injection': {
    slug: 'owasp-llm:prompt-injection',
    editions: {
      '2023': { id: 'LLM01', title: 'Prompt Injection' },
      '2025': { id: 'LLM01:2025', title: 'Prompt Injection' },
    },
  },
  'owasp-llm:sensitive-information-disclosure': {
    slug: 'owasp-llm:sensitive-information-disclosure',
    editions: {
      '2023': { id: 'LLM06', title: 'Sensitive Information Disclosure' },
      '2025': { id: 'LLM02:2025', title: 'Sensitive Information Disclosure' },
    },
  },
  'owasp-llm:supply-chain': {
    slug: 'owasp-llm:supply-chain',
    editions: {
      '2023': { id: 'LLM05', title: 'Supply Chain Vulnerabilities' },
      '2025': { id: 'LLM03:2025', title: 'Supply Chain' },
    },
  },
  'owasp-llm:data-and-model-poisoning': {
    slug: 'owasp-llm:data-and-model-poisoning',
    editions: {
      '2023': { id: 'LLM03', title: 'Training Data Poisoning' },
      '2025': { id: 'LLM04:2025', title: 'Data and Model Poisoning' },
    },
  },
  'owasp-llm:improper-output-handling': {
    slug: 'owasp-llm:improper-output-handling',
    editions: {
      '2023': { id: 'LLM02', title: 'Insecure Output Handling' },
      '2025': { id: 'LLM05:2025', title: 'Improper Output Handling' },
    },
  },
  'owasp-llm:excessive-agency': {
    slug: 'owasp-llm:excessive-agency',
    editions: {
      '2023': { id: 'LLM08', title: 'Excessive Agency' },
      '2025': { id: 'LLM06:2025', title: 'Excessive Agency' },
    },
  },
  'owasp-llm:system-prompt-leakage': {
    slug: 'owasp-llm:system-prompt-leakage',
    editions: { '2025': { id: 'LLM07:2025', title: 'System Prompt Leakage' } },
  },
  'owasp-llm:vector-and-embedding-weaknesses': {
    slug: 'owasp-llm:vector-and-embedding-weaknesses',
    editions: { '2025': { id: 'LLM08:2025', title: 'Vector and Embedding Weaknesses' } },
  },
  'owasp-llm:misinformation': {
    slug: 'owasp-llm:misinformation',
    editions: {
      '2023': { id: 'LLM09', title: 'Overreliance' },
      '2025': { id: 'LLM09:2025', title: 'Misinformation' },
    },
  },
  'owasp-llm:unbounded-consumption': {
    slug: 'owasp-llm:unbounded-consumption',
    editions: {
      '2023': { id: 'LLM04', title: 'Model Denial of Service' },
      '2025': { id: 'LLM10:2025', title: 'Unbounded Consumption' },
    },
  },
  'owasp-llm:model-theft': {
    slug: 'owasp-llm:model-theft',
    // 2025 folded model theft into supply chain and unbounded consumption ("model extraction").
    editions: { '2023': { id: 'LLM10', title: 'Model Theft' } },
  },
};

/** The identifier of a tag in one edition, e.g. `LLM02:2025`, or undefined if the edition lacks it. */
export function owaspId(slug: OwaspSlug, edition: OwaspEdition): string | undefined {
  return owaspItems[slug].editions[edition]?.id;
}
