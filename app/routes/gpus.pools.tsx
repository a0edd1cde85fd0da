import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, json } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { Field, FormError, Notice } from '~/components/auth/field';
import { CsrfInput } from '~/components/csrf-input';
import { SelectField, TextAreaField } from '~/components/tenants/fields';
import { useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { readCluster } from '~/utils/cluster.server';
import { formAction } from '~/utils/errors.server';
import { parseForm } from '~/utils/form.server';
import {
  type AllocationView,
  createPool,
  dedicate,
  deletePool,
  getAllocation,
  listDedications,
  listPools,
  releaseDedication,
  requireTenantSlug,
  tenantSlugs,
} from '~/utils/gpu.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'gpu:read', actionPermission: 'gpu:write' };

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, { key: 'gpu.pools.title' });

export async function loader({ request }: LoaderFunctionArgs) {
  const { principal } = await requirePermission(request, 'gpu:read');
  const [pools, dedications, tenants] = await Promise.all([listPools(), listDedications(), tenantSlugs()]);
  const allocation = await readCluster(() => getAllocation(), { nodes: [], pools: [], tenants: [] } as AllocationView);
  const groups = new Map(allocation.value.pools.map((g) => [g.name, g]));
  return json({
    canWrite: principal.permissions.includes('gpu:write'),
    error: allocation.error,
    tenants,
    nodes: allocation.value.nodes.map((n) => n.name),
    pools: pools.map((p) => {
      const g = groups.get(p.name);
      return {
        name: p.name,
        description: p.description,
        selector: Object.entries(p.selector).map(([k, v]) => `${k}=${v}`).join(', '),
        nodes: g?.nodes ?? 0,
        gpus: g?.gpus ?? 0,
        free: g?.free ?? 0,
      };
    }),
    dedications: dedications.map((d) => ({ id: d.id, targetKind: d.targetKind, target: d.target, tenant: d.tenant, nodes: d.nodes })),
  });
}

export async function action({ request }: ActionFunctionArgs) {
  const { actor } = await requirePermission(request, 'gpu:write');
  return formAction(async () => {
    const data = await parseForm(request, z.looseObject({ intent: z.enum(['create-pool', 'delete-pool', 'dedicate', 'release'], { error: 'Unknown action.' }) }));
    if (data.intent === 'create-pool') await createPool(actor, data);
    else if (data.intent === 'delete-pool') await deletePool(actor, String(data.name ?? ''));
    else if (data.intent === 'dedicate') {
      await requireTenantSlug(data.tenant);
      await dedicate(actor, data);
    } else await releaseDedication(actor, String(data.id ?? ''));
    return json({ ok: true as const });
  });
}

export default function PoolsPage() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<{ ok: boolean; formError?: string; fieldErrors?: Record<string, string[]> }>();
  const navigation = useNavigation();
  const t = useT();
  const errors = result?.fieldErrors ?? {};
  const busy = navigation.state === 'submitting';
  return (
    <>
      <p>
        <Link to="/gpus">← {t('gpu.backToInventory')}</Link>
      </p>
      <h1>{t('gpu.pools.title')}</h1>
      <p className="muted">{t('gpu.pools.intro')}</p>
      {result?.ok ? <Notice>{t('gpu.saved')}</Notice> : null}
      {result && !result.ok ? <FormError message={result.formError} /> : null}
      {data.error ? <p className="alert alert-error" role="alert">{t('cluster.loadFailed', { reason: data.error })}</p> : null}
      {data.pools.length === 0 ? (
        <p className="muted">{t('gpu.pools.empty')}</p>
      ) : (
        <div className="table-wrap" role="region" aria-label={t('gpu.pools.title')} tabIndex={0}>
          <table>
            <caption className="visually-hidden">{t('gpu.pools.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('gpu.pools.name')}</th>
                <th scope="col">{t('gpu.pools.selector')}</th>
                <th scope="col" className="num">{t('gpu.pools.nodes')}</th>
                <th scope="col" className="num">{t('gpus.count')}</th>
                <th scope="col" className="num">{t('gpus.free')}</th>
                {data.canWrite ? <th scope="col">{t('gpu.actions')}</th> : null}
              </tr>
            </thead>
            <tbody>
              {data.pools.map((p) => (
                <tr key={p.name}>
                  <td>{p.name}{p.description ? <span className="muted"> — {p.description}</span> : null}</td>
                  <td><code>{p.selector}</code></td>
                  <td className="num">{p.nodes}</td>
                  <td className="num">{p.gpus}</td>
                  <td className="num">{p.free}</td>
                  {data.canWrite ? (
                    <td>
                      <Form method="post">
                        <CsrfInput />
                        <input type="hidden" name="intent" value="delete-pool" />
                        <input type="hidden" name="name" value={p.name} />
                        <button type="submit" className="secondary" disabled={busy} aria-label={t('gpu.pools.deleteNamed', { name: p.name })}>
                          {t('gpu.pools.delete')}
                        </button>
                      </Form>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>{t('gpu.dedications.title')}</h2>
      {data.dedications.length === 0 ? (
        <p className="muted">{t('gpu.dedications.empty')}</p>
      ) : (
        <div className="table-wrap" role="region" aria-label={t('gpu.dedications.title')} tabIndex={0}>
          <table>
            <caption className="visually-hidden">{t('gpu.dedications.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('gpu.dedications.target')}</th>
                <th scope="col">{t('gpu.dedications.tenant')}</th>
                <th scope="col">{t('gpu.pools.nodes')}</th>
                {data.canWrite ? <th scope="col">{t('gpu.actions')}</th> : null}
              </tr>
            </thead>
            <tbody>
              {data.dedications.map((d) => (
                <tr key={d.id}>
                  <td>{d.targetKind === 'pool' ? t('gpu.dedications.pool', { name: d.target }) : t('gpu.dedications.node', { name: d.target })}</td>
                  <td><Link to={`/tenants/${d.tenant}`}>{d.tenant}</Link></td>
                  <td>{d.nodes.join(', ')}</td>
                  {data.canWrite ? (
                    <td>
                      <Form method="post">
                        <CsrfInput />
                        <input type="hidden" name="intent" value="release" />
                        <input type="hidden" name="id" value={d.id} />
                        <button type="submit" className="secondary" disabled={busy}>{t('gpu.dedications.release')}</button>
                      </Form>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {data.canWrite ? (
        <>
          <section aria-labelledby="new-pool">
            <h2 id="new-pool">{t('gpu.pools.new')}</h2>
            <Form method="post" className="stack" noValidate>
              <CsrfInput />
              <input type="hidden" name="intent" value="create-pool" />
              <Field idPrefix="p-" name="name" label={t('gpu.pools.name')} required errors={errors.name} />
              <TextAreaField idPrefix="p-" name="selector" label={t('gpu.pools.selector')} hint={t('gpu.pools.selectorHint')} errors={errors.selector} rows={2} />
              <Field idPrefix="p-" name="description" label={t('gpu.pools.description')} errors={errors.description} />
              <button type="submit" disabled={busy}>{t('gpu.pools.create')}</button>
            </Form>
          </section>
          <section aria-labelledby="new-dedication">
            <h2 id="new-dedication">{t('gpu.dedications.new')}</h2>
            <p className="muted">{t('gpu.dedications.intro')}</p>
            <Form method="post" className="stack" noValidate>
              <CsrfInput />
              <input type="hidden" name="intent" value="dedicate" />
              <SelectField idPrefix="d-" name="targetKind" label={t('gpu.dedications.kind')} errors={errors.targetKind}
                options={[{ value: 'pool', label: t('gpu.dedications.kind.pool') }, { value: 'node', label: t('gpu.dedications.kind.node') }]} />
              <Field idPrefix="d-" name="target" label={t('gpu.dedications.target')} hint={t('gpu.dedications.targetHint')} errors={errors.target} />
              <SelectField idPrefix="d-" name="tenant" label={t('gpu.dedications.tenant')} errors={errors.tenant}
                options={[{ value: '', label: t('gpu.dedications.chooseTenant') }, ...data.tenants.map((s) => ({ value: s, label: s }))]} />
              <button type="submit" disabled={busy}>{t('gpu.dedications.dedicate')}</button>
            </Form>
          </section>
        </>
      ) : null}
    </>
  );
}
