import { InputError } from '../../../server/core/errors';
import {
  checkKinds,
  defaultInputPolicy,
  defaultOutputPolicy,
  kindTags,
  owaspId,
  owaspItems,
  owaspSlugs,
  parsePolicyDefinition,
} from '../../../server/guard';

function fieldErrors(input: unknown): Record<string, string[]> {
  try {
    parsePolicyDefinition(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).fieldErrors;
  }
  throw new Error('expected an InputError');
}

describe('parsePolicyDefinition', () => {
  it('fills kind-specific defaults', () => {
    const def = parsePolicyDefinition({ checks: [{ id: 'tl', kind: 'token-limit', direction: 'input', action: 'block' }] });
    expect(def.checks[0]).toEqual({
      id: 'tl',
      kind: 'token-limit',
      direction: 'input',
      action: 'block',
      enabled: true,
      tags: [],
      params: { limit: 8192, encoding: 'cl100k_base' },
    });
  });

  it('names the field of each problem', () => {
    const errors = fieldErrors({
      checks: [
        { id: 'a', kind: 'regex', direction: 'sideways', action: 'block', params: { patterns: ['x'] } },
        { id: 'b', kind: 'pii', direction: 'input', action: 'block', params: { entities: [], defaultCountry: 'de' } },
      ],
    });
    expect(errors['checks.0.direction']).toBeDefined();
    expect(errors['checks.1.params.entities']).toEqual(['choose at least one kind of personal data']);
    expect(errors['checks.1.params.defaultCountry']).toEqual(['a two-letter country code such as DE']);
  });

  it('refuses redaction for checks that find no text to replace', () => {
    const errors = fieldErrors({ checks: [{ id: 'a', kind: 'token-limit', direction: 'input', action: 'redact' }] });
    expect(errors).toEqual({ 'checks.0.action': ['A token-limit check finds no text to replace; choose block or log.'] });
  });

  it('rejects duplicate ids and unsafe user patterns at validation time', () => {
    const errors = fieldErrors({
      checks: [
        { id: 'same', kind: 'regex', direction: 'input', action: 'block', params: { patterns: ['ok', '(x*)*y'] } },
        { id: 'same', kind: 'invisible-text', direction: 'input', action: 'redact' },
      ],
    });
    expect(errors['checks.1.id']).toEqual(['The id "same" is used twice.']);
    expect(errors['checks.0.params.patterns.1']![0]).toMatch(/^Nested quantifier/);
  });

  it('rejects an unknown kind', () => {
    expect(Object.keys(fieldErrors({ checks: [{ id: 'x', kind: 'magic', direction: 'input', action: 'log' }] }))).toEqual(['checks.0.kind']);
  });
});

describe('default policies', () => {
  it('hold only input checks and only output checks respectively', () => {
    expect(defaultInputPolicy.checks.every((c) => c.direction === 'input')).toBe(true);
    expect(defaultOutputPolicy.checks.every((c) => c.direction === 'output')).toBe(true);
    expect(defaultInputPolicy.checks.map((c) => c.kind)).toEqual(['token-limit', 'invisible-text', 'prompt-injection', 'pii', 'secrets']);
  });
});

describe('OWASP tags', () => {
  it('give every kind at least one tag that exists in the 2025 edition', () => {
    for (const kind of checkKinds) {
      expect(kindTags[kind].length).toBeGreaterThan(0);
      expect(kindTags[kind].some((slug) => owaspId(slug, '2025'))).toBe(true);
    }
  });

  it('map stable slugs to both numberings, where renumbered items differ', () => {
    expect(owaspId('owasp-llm:sensitive-information-disclosure', '2023')).toBe('LLM06');
    expect(owaspId('owasp-llm:sensitive-information-disclosure', '2025')).toBe('LLM02:2025');
    expect(owaspId('owasp-llm:unbounded-consumption', '2023')).toBe('LLM04');
    expect(owaspId('owasp-llm:system-prompt-leakage', '2023')).toBeUndefined();
    const ids2025 = owaspSlugs.flatMap((s) => (owaspItems[s].editions['2025'] ? [owaspItems[s].editions['2025']!.id] : []));
    expect(ids2025.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `LLM${String(i + 1).padStart(2, '0')}:2025`));
  });
});
