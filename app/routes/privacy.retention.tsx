import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { Field, FormError, Notice } from '~/components/auth/field';
import { formatDateTime } from '~/i18n/format';
import { CsrfInput } from '~/components/csrf-input';
import { SelectField } from '~/components/privacy/fields';
import { PrivacyNav } from '~/components/privacy/privacy-nav';
import type { MessageKey } from '~/i18n/messages';
import { useLocale, useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { formAction, loaderWork } from '~/utils/errors.server';
import { parseForm } from '~/utils/form.server';
import { createPolicy, deletePolicy, listPolicies, listRuns, listStores, recordsOfProcessing, retentionActions, runPolicy, setFloor } from '~/utils/privacy.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'privacy:read', actionPermission: 'privacy:write' };

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, { key: 'privacy.retention.title' }, { key: 'privacy.title' });

export async function loader({ request }: LoaderFunctionArgs) {
  const { user } = await requirePermission(request, 'privacy:read');
  return loaderWork(async () => {
    const stores = (await listStores()).filter((s) => s.kind !== 'webhook');
    return json({
      policies: (await listPolicies()).map((p) => ({ id: p.id, category: p.category, storeName: p.storeName, tenant: p.tenant, maxAgeDays: p.maxAgeDays, action: p.action, lastRunAt: p.lastRunAt?.toISOString() ?? null })),
      runs: (await listRuns({ limit: 20 })).map((r) => ({ id: r.id, policyId: r.policyId, cutoff: r.cutoff.toISOString(), rows: r.rows, finishedAt: r.finishedAt?.toISOString() ?? null })),
      ropa: await recordsOfProcessing(),
      stores: stores.map((s) => ({ id: s.id, name: s.name, categories: s.categories })),
      actions: [...retentionActions],
      canWrite: user?.permissions.includes('privacy:write') ?? false,
    });
  });
}

// Built on call (no zod schema at module level in route modules).
function schema() {
  return z.discriminatedUnion('intent', [
    z.object({ intent: z.literal('create'), category: z.string().default(''), storeId: z.string().default(''), tenant: z.string().default(''), maxAgeDays: z.string().default(''), action: z.string() }),
    z.object({ intent: z.literal('run'), id: z.string() }),
    z.object({ intent: z.literal('delete'), id: z.string() }),
    z.object({ intent: z.literal('floor'), category: z.string().default(''), minDays: z.string().default(''), basis: z.string().default('') }),
  ]);
}

export async function action({ request }: ActionFunctionArgs) {
  const { actor } = await requirePermission(request, 'privacy:write');
  return formAction(async () => {
    const data = await parseForm(request, schema());
    if (data.intent === 'create') await createPolicy({ ...data, action: data.action as 'delete' }, actor);
    else if (data.intent === 'run') await runPolicy(data.id, actor);
    else if (data.intent === 'delete') await deletePolicy(data.id, actor);
    else await setFloor(data, actor);
    return json({ ok: true as const });
  });
}

export default function RetentionPage() {
  const t = useT();
  const locale = useLocale();
  const data = useLoaderData<typeof loader>();
  const result = useActionData<{ ok: true } | { ok: false; formError: string; fieldErrors: Record<string, string[]> }>();
  const busy = useNavigation().state === 'submitting';
  const fe = result && !result.ok ? result.fieldErrors : {};
  const categories = [...new Set(data.stores.flatMap((s) => s.categories))].sort();
  return (
    <>
      <h1>{t('privacy.retention.title')}</h1>
      <PrivacyNav />
      {result?.ok ? <Notice>{t('privacy.action.done')}</Notice> : null}
      {result && !result.ok ? <FormError message={result.formError} /> : null}
      <h2>{t('privacy.retention.policies')}</h2>
      {data.policies.length === 0 ? (
        <p className="muted">{t('privacy.retention.empty')}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{t('privacy.retention.policies')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('privacy.retention.category')}</th>
                <th scope="col">{t('privacy.retention.store')}</th>
                <th scope="col">{t('privacy.retention.tenant')}</th>
                <th scope="col" className="num">{t('privacy.retention.maxAgeDays')}</th>
                <th scope="col">{t('privacy.retention.action')}</th>
                <th scope="col">{t('privacy.retention.lastRun')}</th>
                <th scope="col"><span className="visually-hidden">{t('privacy.retention.runNow')}</span></th>
              </tr>
            </thead>
            <tbody>
              {data.policies.map((p) => (
                <tr key={p.id}>
                  <td>{p.category}</td>
                  <td>{p.storeName}</td>
                  <td>{p.tenant ?? '—'}</td>
                  <td className="num">{p.maxAgeDays}</td>
                  <td>{t(`privacy.action.${p.action}` as MessageKey)}</td>
                  <td className="nowrap">{p.lastRunAt ? formatDateTime(p.lastRunAt, locale) : '—'}</td>
                  <td className="nowrap">
                    {data.canWrite ? (
                      <>
                        <Form method="post" className="inline-form">
                          <CsrfInput />
                          <input type="hidden" name="intent" value="run" />
                          <input type="hidden" name="id" value={p.id} />
                          <button type="submit" className="button-small" disabled={busy}>{t('privacy.retention.runNow')}</button>
                        </Form>{' '}
                        <Form method="post" className="inline-form">
                          <CsrfInput />
                          <input type="hidden" name="intent" value="delete" />
                          <input type="hidden" name="id" value={p.id} />
                          <button type="submit" className="button-small" disabled={busy}>{t('privacy.retention.delete')}</button>
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
      {data.runs.length ? (
        <>
          <h2>{t('privacy.retention.runs')}</h2>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{t('privacy.retention.runs')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('privacy.retention.cutoff')}</th>
                  <th scope="col" className="num">{t('privacy.retention.rows')}</th>
                  <th scope="col">{t('privacy.retention.finished')}</th>
                </tr>
              </thead>
              <tbody>
                {data.runs.map((r) => (
                  <tr key={r.id}>
                    <td className="nowrap">{formatDateTime(r.cutoff, locale)}</td>
                    <td className="num">{r.rows}</td>
                    <td className="nowrap">{r.finishedAt ? formatDateTime(r.finishedAt, locale) : t('privacy.retention.running')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
      {data.canWrite ? (
        <div className="privacy-actions">
          <Form method="post" className="card" noValidate>
            <h2>{t('privacy.retention.new')}</h2>
            <CsrfInput />
            <input type="hidden" name="intent" value="create" />
            <SelectField name="category" label={t('privacy.retention.category')} errors={fe.category} options={categories.map((c) => ({ value: c, label: c }))} />
            <SelectField name="storeId" label={t('privacy.retention.store')} errors={fe.storeId} options={data.stores.map((s) => ({ value: s.id, label: s.name }))} />
            <Field name="tenant" label={t('privacy.retention.tenant')} errors={fe.tenant} />
            <Field name="maxAgeDays" type="number" label={t('privacy.retention.maxAgeDays')} errors={fe.maxAgeDays} />
            <SelectField name="action" label={t('privacy.retention.action')} errors={fe.action} options={data.actions.map((a) => ({ value: a, label: t(`privacy.action.${a}` as MessageKey) }))} />
            <button type="submit" disabled={busy}>{t('privacy.retention.new')}</button>
          </Form>
          <Form method="post" className="card" noValidate>
            <h2>{t('privacy.retention.floors')}</h2>
            <CsrfInput />
            <input type="hidden" name="intent" value="floor" />
            <Field name="category" label={t('privacy.retention.category')} errors={fe.category} idPrefix="floor-" />
            <Field name="minDays" type="number" label={t('privacy.retention.floorDays')} errors={fe.minDays} idPrefix="floor-" />
            <Field name="basis" label={t('privacy.retention.floorBasis')} errors={fe.basis} idPrefix="floor-" />
            <button type="submit" disabled={busy}>{t('privacy.retention.setFloor')}</button>
          </Form>
        </div>
      ) : null}
      <h2>{t('privacy.retention.ropa')}</h2>
      <p>
        <a className="button" href="/privacy/records.csv" download>
          {t('privacy.retention.ropaExport')}
        </a>
      </p>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">{t('privacy.retention.ropa')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('privacy.retention.category')}</th>
              <th scope="col">{t('privacy.retention.stores')}</th>
              <th scope="col">{t('privacy.retention.limits')}</th>
              <th scope="col">{t('privacy.retention.floorDays')}</th>
            </tr>
          </thead>
          <tbody>
            {data.ropa.map((r) => (
              <tr key={r.category}>
                <td>{r.category}</td>
                <td>{r.stores.join(', ')}</td>
                <td>
                  {r.limits.map((l) => `${l.store}${l.tenant ? ` (${l.tenant})` : ''}: ${l.maxAgeDays} d, ${t(`privacy.action.${l.action}` as MessageKey)}`).join('; ')}
                  {r.unlimitedIn.length ? <span className="muted"> {t('privacy.retention.noLimit', { stores: r.unlimitedIn.join(', ') })}</span> : null}
                </td>
                <td>{r.floorDays ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
