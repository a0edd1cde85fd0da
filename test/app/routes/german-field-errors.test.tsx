import { eq } from 'drizzle-orm';
import { renderToString } from 'react-dom/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Field, FormError } from '~/components/auth/field';
import { TextAreaField } from '~/components/tenants/fields';
import { LocaleContext } from '~/i18n/use-t';
import * as newModelRoute from '~/routes/models.new';
import * as tenantsRoute from '~/routes/tenants._index';
import { getShellData } from '~/utils/shell.server';
import { getDb } from '../../../db/client';
import { users } from '../../../db/schema/auth';
import { createTestSession, createTestUser } from '../../support/auth';
import { type TestDatabase, createTestDatabase } from '../../support/database';

/*
 * A German operator's refused forms, called the way Remix calls the actions: the action data
 * carries message keys, and the fields the page renders with it show German text in the
 * language the shell picks for that user. The same refusals read in English for an English reader.
 */

let database: TestDatabase;
let session: { cookie: string; csrfToken: string };

beforeAll(async () => {
  database = await createTestDatabase();
  const user = await createTestUser({ roles: ['operator'] });
  await getDb().update(users).set({ locale: 'de' }).where(eq(users.id, user.id));
  session = await createTestSession(user);
});
afterAll(async () => {
  await database?.close();
});

const args = (request: Request) => ({ request, params: {}, context: {} });
function post(path: string, fields: Record<string, string>) {
  return new Request(`http://localhost${path}`, {
    method: 'POST',
    headers: { cookie: session.cookie, origin: 'http://localhost', 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ csrf: session.csrfToken, ...fields }),
  });
}

type Refusal = { ok: false; formError: string; fieldErrors: Record<string, string[]> };

async function refusal(response: unknown): Promise<Refusal> {
  expect(response).toBeInstanceOf(Response);
  expect((response as Response).status).toBe(400);
  return (await (response as Response).json()) as Refusal;
}

/** The user's language, as every page's shell picks it. */
async function localeOfUser() {
  return (await getShellData(new Request('http://localhost/', { headers: { cookie: session.cookie } }))).locale;
}

const text = (html: string) => html.replace(/<!-- -->/g, '').replace(/<[^>]+>/g, ' ').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/\s+/g, ' ').trim();

function render(locale: 'en' | 'de', element: React.ReactElement): string {
  return text(renderToString(<LocaleContext.Provider value={locale}>{element}</LocaleContext.Provider>));
}

describe('a German user’s refused forms', () => {
  it('shows the new-model form’s field errors in German', async () => {
    const locale = await localeOfUser();
    expect(locale).toBe('de');
    const data = await refusal(await newModelRoute.action(args(post('/models/new', { name: 'Llama_3', family: 'llama', owner: 'ml', license: '' }))));
    expect(Object.keys(data.fieldErrors).sort()).toEqual(['license', 'name']);
    // Keys travel, not sentences.
    expect(data.fieldErrors.name).toEqual(['models.error.nameFormat']);
    expect(render(locale, <Field name="name" label="Name" errors={data.fieldErrors.name} />)).toBe(
      'Name Verwenden Sie Kleinbuchstaben, Ziffern und Bindestriche; beginnen Sie mit einem Buchstaben und enden Sie mit einem Buchstaben oder einer Ziffer.',
    );
    expect(render(locale, <Field name="license" label="Lizenz" errors={data.fieldErrors.license} />)).toBe('Lizenz Geben Sie die Lizenz ein (z. B. apache-2.0, llama3.1).');
    expect(render('en', <Field name="license" label="Licence" errors={data.fieldErrors.license} />)).toBe('Licence Enter the licence (e.g. apache-2.0, llama3.1).');
    expect(render(locale, <FormError message={data.formError} />)).toBe('Einige Felder müssen korrigiert werden.');
  });

  it('shows the new-tenant form’s field errors in German, with their variables', async () => {
    const locale = await localeOfUser();
    const data = await refusal(await tenantsRoute.action(args(post('/tenants', { intent: 'create', slug: 'Not OK', name: 'Suche', contacts: 'Ada <ada@example.org>\nnot an address' }))));
    expect(Object.keys(data.fieldErrors).sort()).toEqual(['contacts', 'slug']);
    expect(render(locale, <Field name="slug" label="Kurzname" errors={data.fieldErrors.slug} />)).toBe(
      'Kurzname Verwenden Sie Kleinbuchstaben, Ziffern und Bindestriche; beginnen und enden Sie mit einem Buchstaben oder einer Ziffer.',
    );
    expect(render(locale, <TextAreaField name="contacts" label="Kontakte" errors={data.fieldErrors.contacts} />)).toBe(
      'Kontakte Zeile 2: Schreiben Sie „Name <email@example.org>“ oder eine E-Mail-Adresse.',
    );
    expect(render('en', <TextAreaField name="contacts" label="Contacts" errors={data.fieldErrors.contacts} />)).toBe(
      'Contacts Line 2: write "Name <email@example.org>" or an email address.',
    );
  });
});
