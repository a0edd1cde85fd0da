import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { Field, FormError, Notice } from '~/components/auth/field';
import { CsrfInput } from '~/components/csrf-input';
import { SelectField, TextAreaField } from '~/components/privacy/fields';
import { PrivacyNav } from '~/components/privacy/privacy-nav';
import type { MessageKey } from '~/i18n/messages';
import { useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { formAction, loaderWork } from '~/utils/errors.server';
import { parseForm } from '~/utils/form.server';
import { createStore, deleteStore, discoverStoreInput, listStores, storeKinds, testStore, testStoreInput } from '~/utils/privacy.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'privacy:read', actionPermission: 'privacy:write' };

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, { key: 'privacy.stores.title' }, { key: 'privacy.title' });

const examples = {
  postgres: {
    tables: [
      { table: 'users', identifiers: [{ column: 'email', kind: 'email' }, { column: 'id', kind: 'user_id' }], categories: ['user.contact.email'], method: 'overwrite', overwrite: { email: null } },
      { table: 'messages', identifiers: [], via: { column: 'conversation_id', parent: 'conversations', parentColumn: 'id' }, categories: ['user.content.private'], method: 'delete', timestampColumn: 'created_at' },
      { table: 'conversations', identifiers: [{ column: 'user_id', kind: 'user_id' }], categories: ['user.content.private'], method: 'delete', timestampColumn: 'created_at' },
    ],
  },
  pgvector: { tables: [{ table: 'chunks', identifiers: [{ column: 'metadata', kind: 'user_id', jsonKey: 'user_id' }], categories: ['user.content.embedding'], method: 'delete' }] },
  redis: { keys: [{ pattern: 'chat:{subject}:*', kind: 'user_id', categories: ['user.content.private'], timestampField: 'ts' }], hashFields: [{ key: 'profiles', field: '{subject}', kind: 'user_id', categories: ['user.profile.name'] }] },
  webhook: { url: 'https://crm.internal/erasure', categories: ['user.support.tickets'], callbackBaseUrl: 'https://leitstand.internal', callbackWaitSeconds: 60 },
};

export async function loader({ request }: LoaderFunctionArgs) {
  const { user } = await requirePermission(request, 'privacy:read');
  return loaderWork(async () =>
    json({
      stores: (await listStores()).map((s) => ({ id: s.id, name: s.name, kind: s.kind, categories: s.categories, createdBy: s.createdBy })),
      kinds: [...storeKinds],
      examples: JSON.stringify(examples, null, 2),
      canWrite: user?.permissions.includes('privacy:write') ?? false,
    }),
  );
}

// Built on call: storeKinds comes from the server adapter, which the browser bundle does not have.
function schema() {
  const storeFields = { name: z.string().default(''), kind: z.enum(storeKinds), config: z.string().default(''), credentials: z.string().default('') };
  return z.discriminatedUnion('intent', [
    z.object({ intent: z.literal('test'), ...storeFields }),
    z.object({ intent: z.literal('discover'), ...storeFields }),
    z.object({ intent: z.literal('save'), ...storeFields }),
    z.object({ intent: z.literal('test-saved'), id: z.string() }),
    z.object({ intent: z.literal('delete'), id: z.string() }),
  ]);
}

export async function action({ request }: ActionFunctionArgs) {
  const { actor } = await requirePermission(request, 'privacy:write');
  return formAction(async () => {
    const data = await parseForm(request, schema());
    switch (data.intent) {
      case 'test':
        return json({ ok: true as const, intent: data.intent, check: await testStoreInput(data) });
      case 'discover':
        return json({ ok: true as const, intent: data.intent, discovery: await discoverStoreInput(data) });
      case 'save': {
        const store = await createStore(data, actor);
        return json({ ok: true as const, intent: data.intent, saved: store.name });
      }
      case 'test-saved':
        return json({ ok: true as const, intent: data.intent, check: await testStore(data.id), id: data.id });
      case 'delete':
        await deleteStore(data.id, actor);
        return json({ ok: true as const, intent: data.intent });
    }
  });
}

interface Discovered {
  tables: { name: string; estimatedRows: number; columns: { name: string; type: string; indexed: boolean; suggestion?: { kind: string; jsonKey?: string } }[] }[];
  notes: string[];
}
type Result =
  | { ok: true; intent: string; check?: { ok: true; detail: string } | { ok: false; reason: string }; discovery?: Discovered; saved?: string; id?: string }
  | { ok: false; formError: string; fieldErrors: Record<string, string[]> };

export default function StoresPage() {
  const t = useT();
  const data = useLoaderData<typeof loader>();
  const result = useActionData<Result>();
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting';
  const fe = result && !result.ok ? result.fieldErrors : {};
  const check = result?.ok ? result.check : undefined;
  return (
    <>
      <h1>{t('privacy.stores.title')}</h1>
      <PrivacyNav />
      {result && !result.ok ? <FormError message={result.formError} /> : null}
      {result?.ok && result.saved ? <Notice>{t('privacy.stores.saved', { name: result.saved })}</Notice> : null}
      {check ? (
        check.ok ? <Notice>{t('privacy.stores.testOk', { detail: check.detail })}</Notice> : <p className="alert alert-error" role="alert">{t('privacy.stores.testFailed', { reason: check.reason })}</p>
      ) : null}
      {data.stores.length === 0 ? (
        <p className="muted">{t('privacy.stores.empty')}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{t('privacy.stores.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('privacy.stores.name')}</th>
                <th scope="col">{t('privacy.stores.kind')}</th>
                <th scope="col">{t('privacy.stores.categories')}</th>
                <th scope="col"><span className="visually-hidden">{t('privacy.stores.test')}</span></th>
              </tr>
            </thead>
            <tbody>
              {data.stores.map((s) => (
                <tr key={s.id}>
                  <td>{s.name}</td>
                  <td>{s.kind}</td>
                  <td>{s.categories.join(', ')}</td>
                  <td className="nowrap">
                    {data.canWrite ? (
                      <>
                        <Link className="button button-small" to={`/privacy/stores/${s.id}`} aria-label={t('privacy.stores.editLabel', { name: s.name })}>
                          {t('privacy.stores.edit')}
                        </Link>{' '}
                        <Form method="post" className="inline-form">
                          <CsrfInput />
                          <input type="hidden" name="intent" value="test-saved" />
                          <input type="hidden" name="id" value={s.id} />
                          <button type="submit" className="button-small" disabled={busy}>{t('privacy.stores.test')}</button>
                        </Form>{' '}
                        <Form method="post" className="inline-form">
                          <CsrfInput />
                          <input type="hidden" name="intent" value="delete" />
                          <input type="hidden" name="id" value={s.id} />
                          <button type="submit" className="button-small" disabled={busy}>{t('privacy.stores.delete')}</button>
                        </Form>
                      </>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data.canWrite ? (
        <section aria-labelledby="register">
          <h2 id="register">{t('privacy.stores.register')}</h2>
          <Form method="post" className="stack" noValidate>
            <CsrfInput />
            <Field name="name" label={t('privacy.stores.name')} errors={fe.name} autoComplete="off" />
            <SelectField name="kind" label={t('privacy.stores.kind')} errors={fe.kind} options={data.kinds.map((k) => ({ value: k, label: k }))} />
            <TextAreaField name="config" label={t('privacy.stores.config')} hint={t('privacy.stores.configHint')} errors={fe.config} rows={10} />
            <TextAreaField name="credentials" label={t('privacy.stores.credentials')} hint={t('privacy.stores.credentialsHint')} errors={fe.credentials} rows={2} />
            <div className="filter-actions">
              <button type="submit" name="intent" value="test" disabled={busy}>{t('privacy.stores.test')}</button>
              <button type="submit" name="intent" value="discover" disabled={busy}>{t('privacy.stores.discover')}</button>
              <button type="submit" name="intent" value="save" disabled={busy}>{t('privacy.stores.save')}</button>
            </div>
          </Form>
        </section>
      ) : null}
      {result?.ok && result.discovery ? (
        <section aria-labelledby="discovered">
          <h2 id="discovered">{t('privacy.stores.discovered')}</h2>
          {result.discovery.tables.map((table) => (
            <div key={table.name} className="card">
              <h3>
                <code>{table.name}</code> <span className="muted small">{t('privacy.stores.rows', { n: table.estimatedRows })}</span>
              </h3>
              <ul>
                {table.columns.map((c) => (
                  <li key={c.name}>
                    <code>{c.name}</code> {c.type}
                    {c.indexed ? ` · ${t('privacy.stores.indexed')}` : ''}
                    {c.suggestion ? (
                      <strong>
                        {' '}
                        · {t('privacy.stores.suggestion')}: {t(`privacy.kind.${c.suggestion.kind}` as MessageKey)}
                        {c.suggestion.jsonKey ? ` (${c.suggestion.jsonKey})` : ''}
                      </strong>
                    ) : null}
                  </li>
                ))}
              </ul>
            </div>
          ))}
          {result.discovery.notes.length ? (
            <>
              <h3>{t('privacy.stores.notes')}</h3>
              <ul>
                {result.discovery.notes.map((n) => (
                  <li key={n}>{n}</li>
                ))}
              </ul>
            </>
          ) : null}
        </section>
      ) : null}
      <details>
        <summary>{t('privacy.stores.examples')}</summary>
        <pre className="privacy-json">{data.examples}</pre>
      </details>
    </>
  );
}
