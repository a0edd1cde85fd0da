import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, json } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { Field, FormError, Notice } from '~/components/auth/field';
import { CsrfInput } from '~/components/csrf-input';
import { GeneralErrorBoundary } from '~/components/error-boundary';
import { SelectField, TextAreaField, UsageMeter } from '~/components/tenants/fields';
import { useFormat } from '~/i18n/format';
import { type Translate, useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { readCluster } from '~/utils/cluster.server';
import { formAction, loaderWork } from '~/utils/errors.server';
import { parseForm } from '~/utils/form.server';
import {
  archiveTenant,
  getLiteLlmPrice,
  getTenant,
  getTenantUsage,
  liteLlmBudget,
  setTenantLimits,
  setTenantQuota,
  type TenantUsage,
  updateTenant,
} from '~/utils/tenants.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'tenants:read', actionPermission: 'tenants:write' };

export const meta: MetaFunction<typeof loader> = ({ matches, data }) => pageTitle(matches, data?.tenant.name, { key: 'tenants.title' });

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { principal } = await requirePermission(request, 'tenants:read');
  return loaderWork(async () => {
    const { tenant, models, objects } = await getTenant(params.slug ?? '');
    const usage = await readCluster(() => getTenantUsage([tenant.slug]), [] as TenantUsage[]);
    const price = getLiteLlmPrice();
    const budget = tenant.tokenBudget === null ? null : { tokens: tenant.tokenBudget, period: tenant.budgetPeriod, alertThresholdPercent: tenant.alertThresholdPercent };
    return json({
      // What the LiteLLM team gets: null price = no dollar budget is sent (the page says so).
      litellmBudget: price === null ? null : liteLlmBudget(budget, price),
      canWrite: principal.permissions.includes('tenants:write') && tenant.status === 'active',
      tenant: {
        slug: tenant.slug,
        name: tenant.name,
        namespace: tenant.namespace,
        costCentre: tenant.costCentre,
        contacts: tenant.contacts,
        status: tenant.status,
        quota: tenant.quota,
        limitDefaults: tenant.limitDefaults,
        tokenBudget: tenant.tokenBudget,
        budgetPeriod: tenant.budgetPeriod,
        alertThresholdPercent: tenant.alertThresholdPercent,
        requestsPerMinute: tenant.requestsPerMinute,
        tokensPerMinute: tenant.tokensPerMinute,
      },
      models: models.map((m) => ({ model: m.model, rpm: m.requestsPerMinute, tpm: m.tokensPerMinute })),
      objects: objects.map((o) => ({
        kind: o.kind,
        name: o.name,
        applied: o.appliedGeneration === o.generation && !o.lastError,
        deleting: o.deletionRequestedAt !== null,
        error: o.lastError,
        drift: o.driftDetected ? o.driftDescription : null,
      })),
      usage: usage.value[0] ?? null,
      usageError: usage.error,
    });
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { actor } = await requirePermission(request, 'tenants:write');
  const slug = params.slug ?? '';
  return formAction(async () => {
    const data = await parseForm(request, z.looseObject({ intent: z.enum(['update', 'quota', 'limits', 'archive'], { error: 'Unknown action.' }) }));
    if (data.intent === 'update') await updateTenant(actor, slug, data);
    else if (data.intent === 'quota') await setTenantQuota(actor, slug, data);
    else if (data.intent === 'limits') await setTenantLimits(actor, slug, data);
    else await archiveTenant(actor, slug, data);
    return json({ ok: true as const, intent: data.intent });
  });
}

type ActionResult = { ok: true; intent: string } | { ok: false; formError: string; fieldErrors: Record<string, string[]> };

/** A quota resource name in words ("requests.memory" → "Memory"); unknown names as they are. */
function resourceLabel(t: Translate, resource: string): string {
  if (resource === 'requests.nvidia.com/gpu') return t('tenants.resource.gpu');
  if (resource.startsWith('requests.nvidia.com/mig-')) return t('tenants.resource.mig', { profile: resource.slice('requests.nvidia.com/mig-'.length) });
  if (resource === 'requests.cpu') return t('tenants.resource.cpu');
  if (resource === 'requests.memory') return t('tenants.resource.memory');
  if (resource === 'pods') return t('tenants.resource.pods');
  return resource;
}

export default function TenantPage() {
  const { tenant, models, objects, usage, usageError, canWrite, litellmBudget } = useLoaderData<typeof loader>();
  const result = useActionData<ActionResult>();
  const navigation = useNavigation();
  const t = useT();
  const f = useFormat();
  const busy = navigation.state === 'submitting';
  const errors = result && !result.ok ? result.fieldErrors : {};
  const formError = result && !result.ok && Object.keys(result.fieldErrors).length === 0 ? result.formError : null;
  const q = tenant.quota;
  const d = tenant.limitDefaults;
  return (
    <>
      <p>
        <Link to="/tenants">← {t('tenants.back')}</Link>
      </p>
      <h1>{t('tenants.detailTitle', { name: tenant.name })}</h1>
      {result?.ok ? <Notice>{t('tenants.saved')}</Notice> : null}
      <FormError message={formError} />
      {result && !result.ok && Object.keys(result.fieldErrors).length > 0 ? <FormError message={result.formError} /> : null}
      <section className="cards wide" aria-label={t('tenants.overview')}>
        <div className="card">
          <dl className="facts">
            <dt>{t('tenants.slug')}</dt>
            <dd><code>{tenant.slug}</code></dd>
            <dt>{t('tenants.namespace')}</dt>
            <dd><code>{tenant.namespace}</code></dd>
            <dt>{t('tenants.costCentre')}</dt>
            <dd>{tenant.costCentre ?? '—'}</dd>
            <dt>{t('tenants.contacts')}</dt>
            <dd>{tenant.contacts.length ? tenant.contacts.map((c) => `${c.name} <${c.email}>`).join(', ') : '—'}</dd>
            <dt>{t('tenants.status')}</dt>
            <dd>{tenant.status === 'active' ? t('tenants.status.active') : t('tenants.status.archived')}</dd>
            <dt>{t('tenants.limits.litellmBudget')}</dt>
            <dd>
              {litellmBudget === null
                ? t('tenants.litellm.budgetOff')
                : litellmBudget.maxBudget === null
                  ? t('tenants.limits.litellmBudgetNone')
                  : t('tenants.limits.litellmBudgetValue', {
                      max: f.number(litellmBudget.maxBudget, { max: 2 }),
                      period: tenant.budgetPeriod === 'day' ? t('tenants.limits.periodNoun.day') : t('tenants.limits.periodNoun.month'),
                      soft: litellmBudget.softBudget === null ? t('tenants.limits.litellmSoftNone') : `${f.number(litellmBudget.softBudget, { max: 2 })} USD`,
                    })}
            </dd>
          </dl>
        </div>
        <div className="card">
          <h2>{t('tenants.usage')}</h2>
          {usageError ? <p className="alert alert-error" role="alert">{t('cluster.loadFailed', { reason: usageError })}</p> : null}
          {usage ? (
            <dl className="facts">
              {usage.resources.map((r) => (
                <div key={r.resource} style={{ display: 'contents' }}>
                  <dt title={r.resource}>{resourceLabel(t, r.resource)}</dt>
                  <dd><UsageMeter used={r.used} limit={r.hard} resource={r.resource} /></dd>
                </div>
              ))}
              <dt>{t('tenants.tokens')}</dt>
              <dd>
                {usage.tokens.used === null
                  ? t('tenants.tokensUnknown', { budget: usage.tokens.budget === null ? '—' : f.number(usage.tokens.budget) })
                  : <UsageMeter used={usage.tokens.used} limit={usage.tokens.budget} />}
                {usage.tokens.alert ? <span className="badge badge-warn">{t('tenants.alert')}</span> : null}
              </dd>
            </dl>
          ) : null}
        </div>
      </section>

      <h2>{t('tenants.objects')}</h2>
      <div className="table-wrap" role="region" aria-label={t('tenants.objects')} tabIndex={0}>
        <table>
          <caption className="visually-hidden">{t('tenants.objects')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('tenants.object.kind')}</th>
              <th scope="col">{t('tenants.object.name')}</th>
              <th scope="col">{t('tenants.object.state')}</th>
            </tr>
          </thead>
          <tbody>
            {objects.map((o) => (
              <tr key={`${o.kind}/${o.name}`}>
                <td>{o.kind}</td>
                <td><code>{o.name}</code></td>
                <td>
                  {o.error ? <span className="badge badge-danger">{o.error}</span>
                    : o.deleting ? <span className="badge badge-warn">{t('tenants.object.deleting')}</span>
                    : o.drift ? <span className="badge badge-warn">{o.drift}</span>
                    : o.applied ? <span className="badge badge-ok">{t('tenants.object.applied')}</span>
                    : <span className="badge">{t('tenants.object.pending')}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {canWrite ? (
        <>
          <section aria-labelledby="quota-heading">
            <h2 id="quota-heading">{t('tenants.quota')}</h2>
            <p className="muted">{t('tenants.quotaIntro')}</p>
            <Form method="post" className="stack" noValidate>
              <CsrfInput />
              <input type="hidden" name="intent" value="quota" />
              <Field idPrefix="q-" name="gpus" label={t('tenants.quota.gpus')} defaultValue={q?.gpus?.toString() ?? ''} errors={errors.gpus} />
              <TextAreaField idPrefix="q-" name="mig" label={t('tenants.quota.mig')} hint={t('tenants.quota.migHint')} defaultValue={Object.entries(q?.mig ?? {}).map(([p, n]) => `${p}=${n}`).join('\n')} errors={errors.mig} rows={2} />
              <Field idPrefix="q-" name="cpu" label={t('tenants.quota.cpu')} defaultValue={q?.cpu ?? ''} errors={errors.cpu} />
              <Field idPrefix="q-" name="memory" label={t('tenants.quota.memory')} defaultValue={q?.memory ?? ''} errors={errors.memory} />
              <Field idPrefix="q-" name="pods" label={t('tenants.quota.pods')} defaultValue={q?.pods?.toString() ?? ''} errors={errors.pods} />
              <Field idPrefix="q-" name="cpuRequest" label={t('tenants.defaults.cpuRequest')} defaultValue={d?.cpuRequest ?? ''} errors={errors.cpuRequest} />
              <Field idPrefix="q-" name="cpuLimit" label={t('tenants.defaults.cpuLimit')} defaultValue={d?.cpuLimit ?? ''} errors={errors.cpuLimit} />
              <Field idPrefix="q-" name="memoryRequest" label={t('tenants.defaults.memoryRequest')} defaultValue={d?.memoryRequest ?? ''} errors={errors.memoryRequest} />
              <Field idPrefix="q-" name="memoryLimit" label={t('tenants.defaults.memoryLimit')} defaultValue={d?.memoryLimit ?? ''} errors={errors.memoryLimit} />
              <button type="submit" disabled={busy}>{t('tenants.quota.save')}</button>
            </Form>
          </section>

          <section aria-labelledby="limits-heading">
            <h2 id="limits-heading">{t('tenants.limits')}</h2>
            <p className="muted">{t('tenants.limitsIntro')}</p>
            <Form method="post" className="stack" noValidate>
              <CsrfInput />
              <input type="hidden" name="intent" value="limits" />
              <Field idPrefix="l-" name="tokenBudget" label={t('tenants.limits.budget')} defaultValue={tenant.tokenBudget?.toString() ?? ''} errors={errors.tokenBudget} />
              <SelectField idPrefix="l-" name="budgetPeriod" label={t('tenants.limits.period')} defaultValue={tenant.budgetPeriod} errors={errors.budgetPeriod}
                options={[{ value: 'day', label: t('tenants.limits.period.day') }, { value: 'month', label: t('tenants.limits.period.month') }]} />
              <Field idPrefix="l-" name="alertThresholdPercent" label={t('tenants.limits.threshold')} defaultValue={String(tenant.alertThresholdPercent)} errors={errors.alertThresholdPercent} />
              <Field idPrefix="l-" name="requestsPerMinute" label={t('tenants.limits.rpm')} defaultValue={tenant.requestsPerMinute?.toString() ?? ''} errors={errors.requestsPerMinute} />
              <Field idPrefix="l-" name="tokensPerMinute" label={t('tenants.limits.tpm')} defaultValue={tenant.tokensPerMinute?.toString() ?? ''} errors={errors.tokensPerMinute} />
              <TextAreaField idPrefix="l-" name="models" label={t('tenants.limits.models')} hint={t('tenants.limits.modelsHint')} errors={errors.models}
                defaultValue={models.map((m) => [m.model, m.rpm !== null ? `rpm=${m.rpm}` : '', m.tpm !== null ? `tpm=${m.tpm}` : ''].filter(Boolean).join(' ')).join('\n')} rows={4} />
              <button type="submit" disabled={busy}>{t('tenants.limits.save')}</button>
            </Form>
          </section>

          <section aria-labelledby="details-heading">
            <h2 id="details-heading">{t('tenants.details')}</h2>
            <Form method="post" className="stack" noValidate>
              <CsrfInput />
              <input type="hidden" name="intent" value="update" />
              <Field idPrefix="u-" name="name" label={t('tenants.name')} defaultValue={tenant.name} required errors={errors.name} />
              <Field idPrefix="u-" name="costCentre" label={t('tenants.costCentre')} defaultValue={tenant.costCentre ?? ''} errors={errors.costCentre} />
              <TextAreaField idPrefix="u-" name="contacts" label={t('tenants.contacts')} hint={t('tenants.contactsHint')} errors={errors.contacts}
                defaultValue={tenant.contacts.map((c) => (c.name === c.email ? c.email : `${c.name} <${c.email}>`)).join('\n')} />
              <button type="submit" disabled={busy}>{t('tenants.update')}</button>
            </Form>
          </section>

          <section aria-labelledby="archive-heading">
            <h2 id="archive-heading">{t('tenants.archive')}</h2>
            <p className="muted">{t('tenants.archiveIntro')}</p>
            <Form method="post" noValidate>
              <CsrfInput />
              <input type="hidden" name="intent" value="archive" />
              <Field
                name="confirmSlug"
                idPrefix="archive-"
                label={t('tenants.archiveConfirm', { slug: tenant.slug })}
                hint={t('tenants.archiveConfirmHint', { namespace: tenant.namespace })}
                errors={errors.confirmSlug}
                autoComplete="off"
                required
              />
              <button type="submit" className="danger" disabled={busy}>{t('tenants.archive')}</button>
            </Form>
          </section>
        </>
      ) : null}
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
