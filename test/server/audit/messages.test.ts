import { describe, expect, it } from 'vitest';
import { catalogs } from '~/i18n/messages';
import { auditMessages } from '../../../server/audit';

describe('auditMessages', () => {
  it('are keys of the catalog, with an English and a German text', () => {
    for (const key of Object.values(auditMessages)) {
      expect(catalogs.en[key as keyof typeof catalogs.en], key).toEqual(expect.any(String));
      expect(catalogs.de[key as keyof typeof catalogs.de], key).toEqual(expect.any(String));
      expect(catalogs.de[key as keyof typeof catalogs.de]).not.toBe(catalogs.en[key as keyof typeof catalogs.en]);
    }
  });
});
