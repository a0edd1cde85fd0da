import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, json } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { FormError, Notice } from '~/components/auth/field';
import { CsrfInput } from '~/components/csrf-input';
import { EvaluationChart } from '~/components/models/evaluation-chart';
import { Select, TextArea } from '~/components/models/fields';
import { formatParams } from '~/components/models/format';
import { formatBytes, formatDate, formatDateTime, formatNumber } from '~/i18n/format';
import { StageBadge } from '~/components/models/stage-badge';
import type { MessageKey } from '~/i18n/messages';
import { useLocale, useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { loaderWork } from '~/utils/errors.server';
import {
  addEvaluations,
  decidePromotion,
  getVersionDetail,
  listPromotions,
  modelAction,
  readModelForm,
  requestPromotion,
  setVersionStage,
  stageTransitions,
  versionJson,
} from '~/utils/models.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'models:read', actionPermission: 'models:write' };

export const meta: MetaFunction = ({ matches, params }) => pageTitle(matches, `${params.name ?? ''} ${params.label ?? ''}`.trim(), { key: 'models.title' });

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { user, actor } = await requirePermission(request, 'models:read');
  return loaderWork(async () => {
    const detail = await getVersionDetail(params.name ?? '', params.label ?? '');
    const promotions = await listPromotions({ versionId: detail.version.id, limit: 20 });
    return json({
      modelName: detail.version.modelName,
      version: { ...versionJson(detail.version) },
      cardHtml: detail.cardHtml,
      evaluations: detail.evaluations.map((e) => ({ id: e.id, metric: e.metric, value: e.value, dataset: e.dataset, date: e.evaluatedOn })),
      nextStages: [...stageTransitions[detail.version.stage]],
      promotions: promotions.map((p) => ({
        id: p.promotion.id,
        status: p.promotion.status,
        reason: p.promotion.reason,
        requestedBy: p.promotion.requestedByName,
        requestedById: p.promotion.requestedById,
        requestedAt: p.promotion.requestedAt.toISOString(),
        decidedBy: p.promotion.decidedByName,
        decidedAt: p.promotion.decidedAt?.toISOString() ?? null,
        note: p.promotion.decisionNote,
      })),
      me: actor.id,
      canWrite: Boolean(user?.permissions.includes('models:write')),
      canApprove: Boolean(user?.permissions.includes('models:approve')),
    });
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { actor } = await requirePermission(request, 'models:write');
  const name = params.name ?? '';
  const label = params.label ?? '';
  return modelAction(async () => {
    const form = await readModelForm(request);
    switch (form.intent) {
      case 'stage': {
        const v = await setVersionStage(actor, name, label, form);
        return json({ ok: true as const, done: 'stage', stage: v.stage });
      }
      case 'request-promotion':
        await requestPromotion(actor, name, label, form);
        return json({ ok: true as const, done: 'requested' });
      case 'decide': {
        const { actor: approver } = await requirePermission(request, 'models:approve');
        const p = await decidePromotion(approver, String(form.promotionId ?? ''), form);
        return json({ ok: true as const, done: p.status });
      }
      case 'evaluate': {
        const n = await addEvaluations(actor, name, label, form);
        return json({ ok: true as const, done: 'evaluated', n });
      }
      default:
        return json({ ok: false as const, formError: 'Unknown action.', fieldErrors: {} }, { status: 400 });
    }
  });
}

type Result = { ok: true; done: string; stage?: string; n?: number } | { ok: false; formError: string; fieldErrors: Record<string, string[]> };

export default function VersionPage() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<Result>();
  const navigation = useNavigation();
  const t = useT();
  const locale = useLocale();
  const v = data.version;
  const busy = navigation.state === 'submitting';
  const fe = result && !result.ok ? result.fieldErrors : {};
  const pending = data.promotions.find((p) => p.status === 'pending');
  return (
    <>
      <p>
        <Link to={`/models/${encodeURIComponent(data.modelName)}`}>{data.modelName}</Link>
      </p>
      <h1>
        {data.modelName} {v.label} <StageBadge stage={v.stage} />
      </h1>
      {result?.ok ? <Notice>{t(`models.done.${result.done}` as MessageKey, { n: result.n ?? 0 })}</Notice> : null}
      {result && !result.ok ? <FormError message={result.formError} /> : null}
      <dl className="facts">
        <dt>{t('models.version.artifact')}</dt>
        <dd>
          <code>{v.artifactUri}</code>
        </dd>
        <dt>{t('models.version.format')}</dt>
        <dd>{v.format}</dd>
        <dt>{t('models.version.quantization')}</dt>
        <dd>{v.quantization}</dd>
        <dt>{t('models.version.parameters')}</dt>
        <dd>{formatParams(v.parameterCount, locale)}</dd>
        <dt>{t('models.version.context')}</dt>
        <dd>{formatNumber(v.contextLength, locale)}</dd>
        <dt>{t('models.version.size')}</dt>
        <dd>{formatBytes(v.sizeBytes, locale)}</dd>
        <dt>{t('models.version.sha256')}</dt>
        <dd>
          <code>{v.sha256}</code>
        </dd>
        <dt>{t('models.version.datasets')}</dt>
        <dd>{v.datasets.join(', ') || '—'}</dd>
        <dt>{t('models.version.registered')}</dt>
        <dd>
          {v.createdBy}, {formatDateTime(v.createdAt, locale)}
        </dd>
      </dl>

      <section className="card" aria-labelledby="lifecycle">
        <h2 id="lifecycle">{t('models.lifecycle')}</h2>
        {pending ? (
          <div>
            <p>{t('models.promotion.pending', { name: pending.requestedBy, reason: pending.reason })}</p>
            {data.canApprove ? (
              pending.requestedById === data.me ? (
                <p className="muted">{t('models.promotion.ownRequest')}</p>
              ) : (
                <Form method="post" className="stack">
                  <CsrfInput />
                  <input type="hidden" name="intent" value="decide" />
                  <input type="hidden" name="promotionId" value={pending.id} />
                  <TextArea name="note" label={t('models.promotion.note')} rows={2} errors={fe.note} />
                  <p className="toolbar">
                    <button type="submit" name="decision" value="approve" disabled={busy}>
                      {t('models.promotion.approve')}
                    </button>
                    <button type="submit" name="decision" value="reject" className="secondary" disabled={busy}>
                      {t('models.promotion.reject')}
                    </button>
                  </p>
                </Form>
              )
            ) : null}
          </div>
        ) : null}
        {data.canWrite && !pending && (v.stage === 'staging' || v.stage === 'deprecated') ? (
          <Form method="post" className="stack">
            <CsrfInput />
            <input type="hidden" name="intent" value="request-promotion" />
            <TextArea name="reason" label={t('models.promotion.reason')} hint={t('models.promotion.hint', { operator: t('auth.role.operator'), admin: t('auth.role.admin') })} rows={2} errors={fe.reason} idPrefix="promotion-" />
            <button type="submit" disabled={busy}>
              {t('models.promotion.request')}
            </button>
          </Form>
        ) : null}
        {data.canWrite && data.nextStages.length > 0 ? (
          <Form method="post" className="inline-form">
            <CsrfInput />
            <input type="hidden" name="intent" value="stage" />
            <Select name="stage" label={t('models.stage.move')} options={data.nextStages.map((s) => ({ value: s, label: t(`models.stage.${s}` as MessageKey) }))} errors={fe.stage} />
            <button type="submit" className="secondary" disabled={busy}>
              {t('models.stage.apply')}
            </button>
          </Form>
        ) : null}
        {data.promotions.length > 0 ? (
          <ul>
            {data.promotions.map((p) => (
              <li key={p.id}>
                {t(`models.promotion.status.${p.status}` as MessageKey)} — {t('models.promotion.requestedBy', { name: p.requestedBy, time: formatDateTime(p.requestedAt, locale) })}
                {p.decidedBy ? `; ${t('models.promotion.decidedBy', { name: p.decidedBy, time: formatDateTime(p.decidedAt, locale) })}` : ''}
                {p.note ? ` (${p.note})` : ''}
              </li>
            ))}
          </ul>
        ) : null}
      </section>

      <h2>{t('models.eval.title')}</h2>
      <EvaluationChart points={data.evaluations} />
      {data.evaluations.length === 0 ? (
        <p className="muted">{t('models.eval.none')}</p>
      ) : (
        <div className="table-wrap" role="region" aria-label={t('models.eval.title')} tabIndex={0}>
          <table>
            <caption className="visually-hidden">{t('models.eval.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('models.eval.metric')}</th>
                <th scope="col" className="num">{t('models.eval.value')}</th>
                <th scope="col">{t('models.eval.dataset')}</th>
                <th scope="col">{t('models.eval.date')}</th>
              </tr>
            </thead>
            <tbody>
              {data.evaluations.map((e) => (
                <tr key={e.id}>
                  <td>{e.metric}</td>
                  <td className="num">{formatNumber(e.value, locale)}</td>
                  <td>{e.dataset}</td>
                  <td className="nowrap">{formatDate(e.date, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data.canWrite ? (
        <Form method="post" className="stack">
          <CsrfInput />
          <input type="hidden" name="intent" value="evaluate" />
          <TextArea name="evaluations" label={t('models.eval.add')} hint={t('models.eval.hint')} rows={2} errors={Object.entries(fe).filter(([k]) => k.startsWith('evaluations')).flatMap(([k, v]) => v.map((m) => (k === 'evaluations' ? m : `${t('models.eval.line', { n: Number(k.split('.')[1] ?? 0) + 1 })}: ${m}`)))} idPrefix="eval-" />
          <button type="submit" className="secondary" disabled={busy}>
            {t('models.eval.addButton')}
          </button>
        </Form>
      ) : null}

      <h2>{t('models.version.card')}</h2>
      {data.cardHtml ? (
        // The card is rendered by markdown-it with raw HTML disabled (server/models/card.ts): nothing the author typed becomes markup.
        <article className="card model-card" dangerouslySetInnerHTML={{ __html: data.cardHtml }} />
      ) : (
        <p className="muted">{t('models.version.noCard')}</p>
      )}
    </>
  );
}
