import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { Field, FormError, Notice } from '~/components/auth/field';
import { CsrfInput } from '~/components/csrf-input';
import { SelectField, TextAreaField } from '~/components/privacy/fields';
import { PrivacyNav } from '~/components/privacy/privacy-nav';
import type { MessageKey } from '~/i18n/messages';
import { useFormat } from '~/i18n/format';
import { useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { formAction, loaderWork } from '~/utils/errors.server';
import { parseForm } from '~/utils/form.server';
import { createHold, holdGrounds, holdKinds, listHolds, listStores, releaseHold } from '~/utils/privacy.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'privacy:read', actionPermission: 'privacy:write' };

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, { key: 'privacy.holds.title' }, { key: 'privacy.title' });

export async function loader({ request }: LoaderFunctionArgs) {
  const { user } = await requirePermission(request, 'privacy:read');
  return loaderWork(async () => {
    const stores = await listStores();
    const names = new Map(stores.map((s) => [s.id, s.name]));
    return json({
      holds: (await listHolds()).map((h) => ({ ...h, storeName: h.storeId ? (names.get(h.storeId) ?? h.storeId) : null, createdAt: h.createdAt.toISOString(), releasedAt: h.releasedAt?.toISOString() ?? null })),
      stores: stores.map((s) => ({ id: s.id, name: s.name })),
      kinds: [...holdKinds],
      grounds: [...holdGrounds],
      canWrite: user?.permissions.includes('privacy:write') ?? false,
    });
  });
}

// Built on call (no zod schema at module level in route modules).
function schema() {
  return z.discriminatedUnion('intent', [
    z.object({ intent: z.literal('create'), kind: z.string(), ground: z.string(), storeId: z.string().default(''), category: z.string().default(''), description: z.string().default(''), expiresOn: z.string().default('') }),
    z.object({ intent: z.literal('release'), id: z.string() }),
  ]);
}

export async function action({ request }: ActionFunctionArgs) {
  const { actor } = await requirePermission(request, 'privacy:write');
  return formAction(async () => {
    const data = await parseForm(request, schema());
    if (data.intent === 'release') await releaseHold(data.id, actor);
    else await createHold({ ...data, kind: data.kind as 'exemption', ground: data.ground as 'litigation_hold' }, actor);
    return json({ ok: true as const });
  });
}

export default function HoldsPage() {
  const t = useT();
  const f = useFormat();
  const data = useLoaderData<typeof loader>();
  const result = useActionData<{ ok: true } | { ok: false; formError: string; fieldErrors: Record<string, string[]> }>();
  const busy = useNavigation().state === 'submitting';
  const fe = result && !result.ok ? result.fieldErrors : {};
  return (
    <>
      <h1>{t('privacy.holds.title')}</h1>
      <PrivacyNav />
      {result?.ok ? <Notice>{t('privacy.action.done')}</Notice> : null}
      {result && !result.ok ? <FormError message={result.formError} /> : null}
      {data.holds.length === 0 ? (
        <p className="muted">{t('privacy.holds.empty')}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{t('privacy.holds.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('privacy.holds.kind')}</th>
                <th scope="col">{t('privacy.holds.ground')}</th>
                <th scope="col">{t('privacy.retention.store')}</th>
                <th scope="col">{t('privacy.retention.category')}</th>
                <th scope="col">{t('privacy.holds.description')}</th>
                <th scope="col">{t('privacy.holds.expiresOn')}</th>
                <th scope="col"><span className="visually-hidden">{t('privacy.holds.release')}</span></th>
              </tr>
            </thead>
            <tbody>
              {data.holds.map((h) => (
                <tr key={h.id}>
                  <td>{t(`privacy.holdKind.${h.kind}` as MessageKey)}</td>
                  <td>{t(`privacy.ground.${h.ground}` as MessageKey)}</td>
                  <td>{h.storeName ?? t('privacy.holds.anyStore')}</td>
                  <td>{h.category ?? '—'}</td>
                  <td>{h.description}</td>
                  <td className="nowrap">{h.expiresOn ? <time dateTime={h.expiresOn}>{f.date(h.expiresOn)}</time> : '—'}</td>
                  <td>
                    {h.releasedAt ? (
                      <span className="muted">{t('privacy.holds.released')}</span>
                    ) : data.canWrite ? (
                      <Form method="post" className="inline-form">
                        <CsrfInput />
                        <input type="hidden" name="intent" value="release" />
                        <input type="hidden" name="id" value={h.id} />
                        <button type="submit" className="button-small" disabled={busy}>{t('privacy.holds.release')}</button>
                      </Form>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data.canWrite ? (
        <section aria-labelledby="new-hold">
          <h2 id="new-hold">{t('privacy.holds.new')}</h2>
          <Form method="post" className="stack" noValidate>
            <CsrfInput />
            <input type="hidden" name="intent" value="create" />
            <SelectField name="kind" label={t('privacy.holds.kind')} errors={fe.kind} options={data.kinds.map((k) => ({ value: k, label: t(`privacy.holdKind.${k}` as MessageKey) }))} />
            <SelectField name="ground" label={t('privacy.holds.ground')} errors={fe.ground} options={data.grounds.map((g) => ({ value: g, label: t(`privacy.ground.${g}` as MessageKey) }))} />
            <SelectField name="storeId" label={t('privacy.holds.store')} errors={fe.storeId} emptyLabel={t('privacy.holds.anyStore')} options={data.stores.map((s) => ({ value: s.id, label: s.name }))} />
            <Field name="category" label={t('privacy.holds.category')} errors={fe.category} autoComplete="off" />
            <TextAreaField name="description" label={t('privacy.holds.description')} errors={fe.description} rows={3} />
            <Field name="expiresOn" type="date" label={t('privacy.holds.expiresOn')} errors={fe.expiresOn} />
            <button type="submit" disabled={busy}>{t('privacy.holds.new')}</button>
          </Form>
        </section>
      ) : null}
    </>
  );
}
