import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { Field, FormError, Notice } from '~/components/auth/field';
import { CsrfInput } from '~/components/csrf-input';
import { TextAreaField } from '~/components/privacy/fields';
import { PrivacyNav } from '~/components/privacy/privacy-nav';
import { useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { formAction, loaderWork } from '~/utils/errors.server';
import { parseForm } from '~/utils/form.server';
import { getStore, testStoreInput, updateStore } from '~/utils/privacy.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'privacy:write' };

export const meta: MetaFunction<typeof loader> = ({ matches, data }) => pageTitle(matches, data && { key: 'privacy.stores.editTitle', vars: { name: data.name } }, { key: 'privacy.title' });

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requirePermission(request, 'privacy:write');
  return loaderWork(async () => {
    const store = await getStore(params.id ?? '');
    // The credentials never leave the server: the page only learns whether there are any.
    return json({
      id: store.id,
      name: store.name,
      kind: store.kind,
      config: JSON.stringify(store.config, null, 2),
      hasCredentials: store.hasCredentials,
      categories: store.categories,
      updatedAt: store.updatedAt.toISOString(),
    });
  });
}

// Built on call (no zod schema at module level in route modules).
function schema() {
  const fields = { name: z.string().default(''), config: z.string().default(''), credentials: z.string().default('') };
  return z.discriminatedUnion('intent', [z.object({ intent: z.literal('test'), ...fields }), z.object({ intent: z.literal('save'), ...fields })]);
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { actor } = await requirePermission(request, 'privacy:write');
  return formAction(async () => {
    const data = await parseForm(request, schema());
    const id = params.id ?? '';
    const store = await getStore(id);
    if (data.intent === 'test') {
      return json({ ok: true as const, check: await testStoreInput({ ...data, kind: store.kind }, { storeId: id }) });
    }
    const saved = await updateStore(id, data, actor);
    return json({ ok: true as const, saved: saved.name });
  });
}

type Result =
  | { ok: true; saved?: string; check?: { ok: true; detail: string } | { ok: false; reason: string } }
  | { ok: false; formError: string; fieldErrors: Record<string, string[]> };

export default function EditStorePage() {
  const t = useT();
  const store = useLoaderData<typeof loader>();
  const result = useActionData<Result>();
  const busy = useNavigation().state === 'submitting';
  const fe = result && !result.ok ? result.fieldErrors : {};
  const check = result?.ok ? result.check : undefined;
  return (
    <>
      <h1>{t('privacy.stores.editTitle', { name: store.name })}</h1>
      <PrivacyNav />
      <p>
        <Link to="/privacy/stores">{t('privacy.stores.back')}</Link>
      </p>
      {result && !result.ok ? <FormError message={result.formError} /> : null}
      {result?.ok && result.saved ? <Notice>{t('privacy.stores.saved', { name: result.saved })}</Notice> : null}
      {check ? (
        check.ok ? <Notice>{t('privacy.stores.testOk', { detail: check.detail })}</Notice> : <p className="alert alert-error" role="alert">{t('privacy.stores.testFailed', { reason: check.reason })}</p>
      ) : null}
      <dl className="facts">
        <dt>{t('privacy.stores.kind')}</dt>
        <dd>{store.kind}</dd>
        <dt>{t('privacy.stores.categories')}</dt>
        <dd>{store.categories.join(', ')}</dd>
      </dl>
      <Form method="post" className="stack" noValidate>
        <CsrfInput />
        <Field name="name" label={t('privacy.stores.name')} errors={fe.name} autoComplete="off" defaultValue={store.name} />
        <TextAreaField name="config" label={t('privacy.stores.config')} hint={t('privacy.stores.configHint')} errors={fe.config} rows={16} defaultValue={store.config} />
        <TextAreaField
          name="credentials"
          label={t('privacy.stores.credentials')}
          hint={store.hasCredentials ? t('privacy.stores.credentialsKeep') : t('privacy.stores.credentialsHint')}
          errors={fe.credentials}
          rows={2}
        />
        <div className="filter-actions">
          <button type="submit" name="intent" value="test" disabled={busy}>{t('privacy.stores.test')}</button>
          <button type="submit" name="intent" value="save" disabled={busy}>{t('privacy.stores.save')}</button>
        </div>
      </Form>
    </>
  );
}
