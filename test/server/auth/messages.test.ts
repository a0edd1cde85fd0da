import { de, en } from '../../../app/i18n/messages/auth';
import { authMessages } from '../../../server/auth';

describe('auth messages', () => {
  it('has an English and a German text for every error key the server raises', () => {
    for (const key of Object.values(authMessages)) {
      expect(en, key).toHaveProperty([key]);
      expect(de[key as keyof typeof en], key).toBeTruthy();
    }
  });

  it('has no German text left in English', () => {
    const untranslated = Object.keys(en).filter(
      (k) => de[k as keyof typeof en] === en[k as keyof typeof en] && !/^(auth\.tokens\.name|auth\.users\.status|auth\.tokens\.status)$/.test(k),
    );
    expect(untranslated).toEqual([]);
  });
});
