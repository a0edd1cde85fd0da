import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useRevalidator } from '@remix-run/react';
import { useEffect, useState } from 'react';
import { z } from 'zod';
import { Field, FormError, Notice } from '~/components/auth/field';
import { formatDateTime } from '~/i18n/format';
import { CsrfInput } from '~/components/csrf-input';
import { DaysLeft, RequestStateBadge } from '~/components/privacy/badges';
import { SelectField, TextAreaField } from '~/components/privacy/fields';
import { PrivacyNav } from '~/components/privacy/privacy-nav';
import type { MessageKey } from '~/i18n/messages';
import { useFormat } from '~/i18n/format';
import { useLocale, useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { formAction, loaderWork } from '~/utils/errors.server';
import { parseForm } from '~/utils/form.server';
import {
  approveRequest,
  decideModel,
  extendDeadline,
  getRequest,
  modelDecisions,
  recordVerification,
  rejectRequest,
  retryRequest,
  runDiscovery,
  submitForApproval,
} from '~/utils/privacy.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'privacy:read', actionPermission: 'privacy:write' };

export const meta: MetaFunction<typeof loader> = ({ matches, data }) => pageTitle(matches, data && { key: 'privacy.request.title', vars: { reference: data.request.reference } }, { key: 'privacy.title' });

interface DiscoveryView {
  at: string;
  total: number;
  stores: (
    | { storeId: string; name: string; ok: true; targets: { key: string; categories: string[]; method: string; count: number; holds: { ground: string }[] }[] }
    | { storeId: string; name: string; ok: false; error: string }
  )[];
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { user } = await requirePermission(request, 'privacy:read');
  return loaderWork(async () => {
    const detail = await getRequest(params.id ?? '');
    const r = detail.request;
    return json({
      request: {
        id: r.id,
        reference: r.reference,
        state: r.state,
        channel: r.channel,
        receivedOn: r.receivedOn,
        dueOn: r.dueOn,
        extendedDueOn: r.extendedDueOn,
        extensionReason: r.extensionReason,
        extensionNoticeOn: r.extensionNoticeOn,
        identifierKinds: r.identifierKinds,
        verificationMethod: r.verificationMethod,
        verifiedBy: r.verifiedBy,
        verifiedAt: r.verifiedAt?.toISOString() ?? null,
        approvedBy: r.approvedBy,
        approvedAt: r.approvedAt?.toISOString() ?? null,
        rejectedReason: r.rejectedReason,
        rerunOf: r.rerunOf,
        identifiersWipedAt: r.identifiersWipedAt?.toISOString() ?? null,
        hasEvidence: r.evidence !== null,
        discovery: r.discovery as DiscoveryView | null,
      },
      tasks: detail.tasks.map((t) => ({
        storeId: t.storeId,
        storeName: t.storeName,
        state: t.state,
        records: ((t.result as { records: number }[] | null) ?? []).reduce((s, x) => s + x.records, 0),
        remaining: t.remaining,
        error: t.error,
      })),
      progress: detail.job?.progress ?? null,
      job: detail.job ? { state: detail.job.state, attempts: detail.job.attempts } : null,
      flags: detail.flags.map((f) => ({ datasetId: f.datasetId, datasetName: f.datasetName, modelName: f.modelName, versionLabel: f.versionLabel, decision: f.decision, justification: f.justification, decidedBy: f.decidedBy })),
      effectiveDueOn: detail.effectiveDueOn,
      daysLeft: detail.daysLeft,
      retryable: detail.retryable,
      stalled: detail.stalled,
      decisions: [...modelDecisions],
      can: {
        write: user?.permissions.includes('privacy:write') ?? false,
        approve: user?.permissions.includes('privacy:approve') ?? false,
      },
    });
  });
}

// Built on call (no zod schema at module level in route modules).
function schema() {
  return z.discriminatedUnion('intent', [
    z.object({ intent: z.literal('verify'), method: z.string().default('') }),
    z.object({ intent: z.literal('extend'), reason: z.string().default(''), noticeOn: z.string().default('') }),
    z.object({ intent: z.literal('discover') }),
    z.object({ intent: z.literal('submit') }),
    z.object({ intent: z.literal('approve') }),
    z.object({ intent: z.literal('reject'), reason: z.string().default('') }),
    z.object({ intent: z.literal('retry') }),
    z.object({
      intent: z.literal('decide'),
      datasetId: z.string(),
      modelName: z.string(),
      versionLabel: z.string(),
      decision: z.string(),
      justification: z.string().default(''),
    }),
  ]);
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { actor } = await requirePermission(request, 'privacy:write');
  const id = params.id ?? '';
  return formAction(async () => {
    const data = await parseForm(request, schema());
    switch (data.intent) {
      case 'verify':
        await recordVerification(id, { method: data.method }, actor);
        break;
      case 'extend':
        await extendDeadline(id, { reason: data.reason, noticeOn: data.noticeOn }, actor);
        break;
      case 'discover':
        await runDiscovery(id, actor);
        break;
      case 'submit':
        await submitForApproval(id, actor);
        break;
      case 'approve': {
        const { actor: approver } = await requirePermission(request, 'privacy:approve');
        await approveRequest(id, approver);
        break;
      }
      case 'reject':
        await rejectRequest(id, { reason: data.reason }, actor);
        break;
      case 'retry':
        await retryRequest(id, actor);
        break;
      case 'decide':
        await decideModel(id, { ...data, decision: data.decision as 'keep' }, actor);
        break;
    }
    return json({ ok: true as const, done: data.intent });
  });
}

type Result = { ok: true; done: string } | { ok: false; formError: string; fieldErrors: Record<string, string[]> };

export default function ErasureRequestPage() {
  const t = useT();
  const f = useFormat();
  const locale = useLocale();
  const data = useLoaderData<typeof loader>();
  const result = useActionData<Result>();
  const navigation = useNavigation();
  const revalidator = useRevalidator();
  const r = data.request;
  // A stalled request (its job ended failed) does not change by itself: no polling.
  const live = (r.state === 'executing' || r.state === 'verifying') && !data.stalled;
  // Live progress while the job works in the background.
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => {
      if (revalidator.state === 'idle' && document.visibilityState === 'visible') revalidator.revalidate();
    }, 1500);
    return () => clearInterval(timer);
  }, [live, revalidator]);
  const busy = navigation.state === 'submitting';
  const fe = result && !result.ok ? result.fieldErrors : {};
  // Extend and reject both have a "reason": show a refusal's errors only in the form that was sent.
  const pendingIntent = navigation.formData?.get('intent');
  const [sentIntent, setSentIntent] = useState<string | null>(null);
  useEffect(() => {
    if (typeof pendingIntent === 'string') setSentIntent(pendingIntent);
  }, [pendingIntent]);
  const errorsOf = (intent: string) => (sentIntent === null || sentIntent === intent ? fe : {});
  const extendable = !r.extendedDueOn && !['completed', 'partially_refused', 'rejected'].includes(r.state);
  const progress = data.progress;
  return (
    <>
      <h1>{t('privacy.request.title', { reference: r.reference })}</h1>
      <PrivacyNav />
      {result?.ok ? <Notice>{t('privacy.action.done')}</Notice> : null}
      {result && !result.ok ? <FormError message={result.formError} /> : null}
      <section className="card" aria-labelledby="facts">
        <h2 id="facts">{t('privacy.request.facts')}</h2>
        <dl className="facts">
          <dt>{t('privacy.field.state')}</dt>
          <dd>
            <RequestStateBadge state={r.state} />
          </dd>
          <dt>{t('privacy.field.receivedOn')}</dt>
          <dd>{f.date(r.receivedOn)}</dd>
          <dt>{t('privacy.field.dueOn')}</dt>
          <dd>
            {f.date(data.effectiveDueOn)} <DaysLeft days={data.daysLeft} />
          </dd>
          {r.extendedDueOn ? (
            <>
              <dt>{t('privacy.request.extension')}</dt>
              <dd>
                {t('privacy.field.dueOn')} {f.date(r.dueOn)} → {f.date(r.extendedDueOn)}; {t('privacy.request.extensionReason')}: {r.extensionReason}; {t('privacy.request.extensionNotice')} {f.date(r.extensionNoticeOn)}
              </dd>
            </>
          ) : null}
          <dt>{t('privacy.field.channel')}</dt>
          <dd>{t(`privacy.channel.${r.channel}` as MessageKey)}</dd>
          <dt>{t('privacy.field.identifiers')}</dt>
          <dd>{r.identifierKinds.map((k) => t(`privacy.kind.${k}` as MessageKey)).join(', ')}</dd>
          {r.verificationMethod ? (
            <>
              <dt>{t('privacy.request.verification')}</dt>
              <dd>
                {r.verificationMethod} ({r.verifiedBy}, {formatDateTime(r.verifiedAt, locale)})
              </dd>
            </>
          ) : null}
          {r.approvedBy ? (
            <>
              <dt>{t('privacy.request.approval')}</dt>
              <dd>{t('privacy.request.approvedBy', { name: r.approvedBy, time: formatDateTime(r.approvedAt, locale) })}</dd>
            </>
          ) : null}
          {r.rejectedReason ? (
            <>
              <dt>{t('privacy.request.rejectedReason')}</dt>
              <dd>{r.rejectedReason}</dd>
            </>
          ) : null}
        </dl>
        {r.rerunOf ? (
          <p>
            <Link to={`/privacy/requests/${r.rerunOf}`}>{t('privacy.request.rerunOf')}</Link>
          </p>
        ) : null}
        {r.identifiersWipedAt ? <p className="muted">{t('privacy.request.identifiersWiped', { time: formatDateTime(r.identifiersWipedAt, locale) })}</p> : null}
        {r.hasEvidence ? (
          <p>
            <Link to={`/privacy/requests/${r.id}/evidence`}>{t('privacy.evidence.open')}</Link>
          </p>
        ) : null}
      </section>

      {data.can.write ? (
        <section className="privacy-actions no-print">
          {r.state === 'received' ? (
            <Form method="post" className="card">
              <CsrfInput />
              <input type="hidden" name="intent" value="verify" />
              <Field name="method" label={t('privacy.action.verifyMethod')} errors={fe.method} idPrefix="verify-" />
              <button type="submit" disabled={busy}>{t('privacy.action.verify')}</button>
            </Form>
          ) : null}
          {(r.state === 'verified' || r.state === 'discovery') ? (
            <Form method="post" className="card">
              <CsrfInput />
              <input type="hidden" name="intent" value="discover" />
              <button type="submit" disabled={busy}>{r.state === 'discovery' ? t('privacy.action.rediscover') : t('privacy.action.discover')}</button>
            </Form>
          ) : null}
          {r.state === 'discovery' ? (
            <Form method="post" className="card">
              <CsrfInput />
              <input type="hidden" name="intent" value="submit" />
              <button type="submit" disabled={busy}>{t('privacy.action.submit')}</button>
            </Form>
          ) : null}
          {r.state === 'awaiting_approval' && data.can.approve ? (
            <Form method="post" className="card">
              <CsrfInput />
              <input type="hidden" name="intent" value="approve" />
              <p className="muted small">{t('privacy.action.approveHint')}</p>
              <button type="submit" disabled={busy}>{t('privacy.action.approve')}</button>
            </Form>
          ) : null}
          {data.retryable ? (
            <Form method="post" className="card">
              <CsrfInput />
              <input type="hidden" name="intent" value="retry" />
              <p className="muted small">{t('privacy.action.retryHint')}</p>
              <button type="submit" disabled={busy}>{t('privacy.action.retry')}</button>
            </Form>
          ) : null}
          {extendable ? (
            <Form method="post" className="card" aria-labelledby="extend-title">
              <h3 id="extend-title">{t('privacy.action.extendTitle')}</h3>
              {data.daysLeft !== null && data.daysLeft < 0 ? <p className="muted">{t('privacy.action.extendOverdue', { due: r.dueOn })}</p> : null}
              <CsrfInput />
              <input type="hidden" name="intent" value="extend" />
              <Field name="reason" label={t('privacy.action.extendReason')} errors={errorsOf('extend').reason} idPrefix="extend-" />
              <Field
                name="noticeOn"
                type="date"
                label={t('privacy.action.extendNotice')}
                hint={t('privacy.action.extendNoticeHint', { due: r.dueOn })}
                errors={errorsOf('extend').noticeOn}
                idPrefix="extend-"
              />
              <button type="submit" disabled={busy}>{t('privacy.action.extend')}</button>
            </Form>
          ) : null}
          {['received', 'verified', 'discovery', 'awaiting_approval'].includes(r.state) ? (
            <Form method="post" className="card" aria-labelledby="reject-title">
              <h3 id="reject-title">{t('privacy.action.rejectTitle')}</h3>
              <CsrfInput />
              <input type="hidden" name="intent" value="reject" />
              <Field name="reason" label={t('privacy.action.rejectReason')} errors={errorsOf('reject').reason} idPrefix="reject-" />
              <button type="submit" className="button-danger" disabled={busy}>{t('privacy.action.reject')}</button>
            </Form>
          ) : null}
        </section>
      ) : null}

      {r.discovery ? (
        <section aria-labelledby="discovery">
          <h2 id="discovery">{t('privacy.discovery.title')}</h2>
          <p className="muted">
            {t('privacy.discovery.at', { time: formatDateTime(r.discovery.at, locale) })} · {t('privacy.discovery.total', { n: r.discovery.total })}
          </p>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{t('privacy.discovery.title')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('privacy.discovery.store')}</th>
                  <th scope="col">{t('privacy.discovery.target')}</th>
                  <th scope="col">{t('privacy.discovery.categories')}</th>
                  <th scope="col">{t('privacy.discovery.method')}</th>
                  <th scope="col" className="num">{t('privacy.discovery.records')}</th>
                  <th scope="col">{t('privacy.discovery.held')}</th>
                </tr>
              </thead>
              <tbody>
                {r.discovery.stores.flatMap((s) =>
                  s.ok
                    ? s.targets.map((tg) => (
                        <tr key={`${s.storeId}/${tg.key}`}>
                          <td>{s.name}</td>
                          <td><code>{tg.key}</code></td>
                          <td>{tg.categories.join(', ')}</td>
                          <td>{t(`privacy.method.${tg.method}` as MessageKey)}</td>
                          <td className="num">{tg.count}</td>
                          <td>{tg.holds.map((h) => t(`privacy.ground.${h.ground}` as MessageKey)).join('; ')}</td>
                        </tr>
                      ))
                    : [
                        <tr key={s.storeId}>
                          <td>{s.name}</td>
                          <td colSpan={5} className="field-error">{t('privacy.discovery.failed', { error: s.error })}</td>
                        </tr>,
                      ],
                )}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}

      {data.tasks.length ? (
        <section aria-labelledby="execution">
          <h2 id="execution">{t('privacy.progress.title')}</h2>
          {progress && progress.total > 0 ? (
            <p>
              <label htmlFor="erasure-progress">{t('privacy.progress.label')}</label>{' '}
              <progress id="erasure-progress" className="privacy-progress" max={progress.total} value={progress.done}>
                {progress.done}/{progress.total}
              </progress>{' '}
              <span aria-live="polite">{t('privacy.progress.value', { done: progress.done, total: progress.total })}</span>
            </p>
          ) : null}
          {data.job ? <p className="muted small">{t('privacy.progress.job', { state: data.job.state, attempt: data.job.attempts })}</p> : null}
          {data.stalled ? (
            <p className="alert alert-error" role="alert">
              {t('privacy.progress.stalled')}
            </p>
          ) : null}
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{t('privacy.progress.title')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('privacy.task.store')}</th>
                  <th scope="col">{t('privacy.task.state')}</th>
                  <th scope="col" className="num">{t('privacy.task.records')}</th>
                  <th scope="col" className="num">{t('privacy.task.remaining')}</th>
                  <th scope="col">{t('privacy.task.error')}</th>
                </tr>
              </thead>
              <tbody>
                {data.tasks.map((task) => (
                  <tr key={task.storeId}>
                    <td>{task.storeName}</td>
                    <td>
                      <span className={`badge ${task.state === 'failed' ? 'badge-danger' : task.state === 'succeeded' ? 'badge-ok' : task.state === 'refused' ? 'badge-warn' : ''}`}>
                        {t(`privacy.taskState.${task.state}` as MessageKey)}
                      </span>
                    </td>
                    <td className="num">{task.records}</td>
                    <td className="num">{task.remaining ?? '—'}</td>
                    <td>{task.error ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}

      <section aria-labelledby="models">
        <h2 id="models">{t('privacy.models.title')}</h2>
        {data.flags.length === 0 ? (
          <p className="muted">{t('privacy.models.none')}</p>
        ) : (
          <>
            {data.flags.some((f) => !f.decision) ? <p className="alert alert-warn">{t('privacy.models.pending')}</p> : null}
            {data.flags.map((f, i) => (
              <div key={`${f.datasetId}/${f.modelName}/${f.versionLabel}`} className="card">
                <p>
                  <strong>{f.modelName}@{f.versionLabel}</strong> · {t('privacy.models.dataset')}: {f.datasetName}
                </p>
                {f.decision ? (
                  <p>
                    {t(`privacy.decision.${f.decision}` as MessageKey)} ({f.decidedBy}){f.justification ? `: ${f.justification}` : ''}
                  </p>
                ) : data.can.write ? (
                  <Form method="post" className="stack no-print">
                    <CsrfInput />
                    <input type="hidden" name="intent" value="decide" />
                    <input type="hidden" name="datasetId" value={f.datasetId} />
                    <input type="hidden" name="modelName" value={f.modelName} />
                    <input type="hidden" name="versionLabel" value={f.versionLabel} />
                    <SelectField name="decision" label={t('privacy.models.decision')} idPrefix={`flag${i}-`} options={data.decisions.map((d) => ({ value: d, label: t(`privacy.decision.${d}` as MessageKey) }))} />
                    <TextAreaField name="justification" label={t('privacy.models.justification')} idPrefix={`flag${i}-`} rows={2} errors={fe.justification} />
                    <button type="submit" disabled={busy}>{t('privacy.models.decide')}</button>
                  </Form>
                ) : null}
              </div>
            ))}
          </>
        )}
      </section>
    </>
  );
}
