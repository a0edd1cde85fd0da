import { describe, expect, it } from 'vitest';
import { negotiateLocale } from '../../../app/i18n/locale';
import { catalogs } from '../../../app/i18n/messages';
import { translate } from '../../../app/i18n/use-t';

describe('message catalogs', () => {
  it('has a German message for every English key and no extra ones', () => {
    expect(Object.keys(catalogs.de).sort()).toEqual(Object.keys(catalogs.en).sort());
  });

  it('keeps the same placeholders in both languages', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)(?:\}|, plural,)/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(catalogs.en) as (keyof typeof catalogs.en)[]) {
      expect(placeholders(catalogs.de[key]), key).toEqual(placeholders(catalogs.en[key]));
    }
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(translate('de', 'nav.signedInAs', { name: 'Ada' })).toBe('Angemeldet als Ada');
    expect(translate('en', 'nav.signedInAs')).toBe('Signed in as {name}');
  });

  it('chooses plural forms by the language’s rules', () => {
    expect(translate('de', 'privacy.requests.count', { n: 1 })).toBe('1 Antrag');
    expect(translate('de', 'privacy.requests.count', { n: 0 })).toBe('0 Anträge');
    expect(translate('en', 'models.count', { n: 1 })).toBe('1 model');
    expect(translate('en', 'models.count', { n: 2 })).toBe('2 models');
    expect(translate('de', 'models.count', { n: 1 })).toBe('1 Modell');
    expect(translate('de', 'gpu.allocation.strandedFor', { n: 1, stranded: 0, replicas: 1 })).toBe('1 GPU/Replikat: 0 ungenutzt, 1 passt');
    expect(translate('en', 'gpu.allocation.strandedFor', { n: 8, stranded: 4, replicas: 3 })).toBe('8 GPUs/replica: 4 stranded, 3 fit');
    // Without a number to choose by, the message stays readable as written.
    expect(translate('en', 'models.count')).toBe('{n, plural, one {# model} other {# models}}');
  });
});

describe('negotiateLocale', () => {
  it('honours q-values and regional tags', () => {
    expect(negotiateLocale('fr-CH, de-AT;q=0.9, en;q=0.8')).toBe('de');
    expect(negotiateLocale('en-GB,de;q=0.5')).toBe('en');
  });
  it('falls back to English for unsupported or missing headers', () => {
    expect(negotiateLocale('fr, it')).toBe('en');
    expect(negotiateLocale(undefined)).toBe('en');
    expect(negotiateLocale('de;q=0')).toBe('en');
  });
});
