import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { catalogs } from '../../../app/i18n/messages';
import { translateServerMessage } from '../../../app/i18n/use-t';
import { issueMessage, msg, privacyMessages } from '../../../server/privacy/messages';
import { parseInput } from '../../../server/privacy/validation';
import { holdInputSchema } from '../../../server/privacy/holds';

describe('privacy error messages', () => {
  it('are catalog keys with an English and a different German text', () => {
    for (const key of Object.values(privacyMessages)) {
      expect(catalogs.en[key], key).toBeTypeOf('string');
      expect(catalogs.de[key], key).toBeTypeOf('string');
      expect(catalogs.de[key], key).not.toBe(catalogs.en[key]);
    }
  });

  it('carry variables in query form, translated where they are keys themselves', () => {
    const message = msg(privacyMessages.wrongState, { doing: 'privacy.doing.retry', state: 'privacy.state.executing' });
    expect(message).toBe('privacy.error.wrongState?doing=privacy.doing.retry&state=privacy.state.executing');
    expect(translateServerMessage('en', message)).toBe('Cannot retry: the request is in state “Executing”.');
    expect(translateServerMessage('de', message)).toBe('Nicht möglich (wiederholen): der Antrag ist im Zustand „Wird ausgeführt“.');
    // Plain text (not a key) passes through untouched, question marks and all.
    expect(translateServerMessage('de', 'Why? Because.')).toBe('Why? Because.');
  });

  it('turn zod’s own issues into generic keys, with the place inside a mapping in front', () => {
    const schema = z.object({ tables: z.array(z.object({ method: z.enum(['delete', 'overwrite']), batch: z.number().int().min(100) })) });
    const result = schema.safeParse({ tables: [{ method: 'drop', batch: 5.5 }] });
    const messages = result.error!.issues.map((i) => issueMessage(i, i.path.join('.')));
    expect(messages).toEqual(['privacy.error.choose?_at=tables.0.method&options=delete%2C+overwrite', 'privacy.error.notWhole?_at=tables.0.batch']);
    expect(translateServerMessage('de', messages[0]!)).toBe('tables.0.method: Wählen Sie eines von: delete, overwrite.');
    expect(translateServerMessage('en', messages[1]!)).toBe('tables.0.batch: Enter a whole number.');
  });

  it('give every refused field of a form a key the German page translates', () => {
    let fieldErrors: Record<string, string[]> = {};
    try {
      parseInput(holdInputSchema, { kind: 'nope', ground: 'litigation_hold', storeId: 'x', description: 'short', expiresOn: '2025-13-01' });
    } catch (error) {
      fieldErrors = (error as { fieldErrors: Record<string, string[]> }).fieldErrors;
      expect((error as Error).message).toBe(privacyMessages.invalidInput);
    }
    expect(Object.keys(fieldErrors).sort()).toEqual(['description', 'expiresOn', 'kind', 'storeId']);
    for (const [field, messages] of Object.entries(fieldErrors)) {
      for (const message of messages) {
        const german = translateServerMessage('de', message);
        expect(german, field).not.toMatch(/privacy\./);
        expect(german, field).not.toBe(translateServerMessage('en', message));
      }
    }
    expect(translateServerMessage('de', fieldErrors.description![0]!)).toBe('Beschreiben Sie, was gesperrt ist und warum (mindestens 10 Zeichen).');
  });
});
