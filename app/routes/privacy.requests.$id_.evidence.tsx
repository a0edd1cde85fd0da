import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { formatDateTime } from '~/i18n/format';
import type { MessageKey } from '~/i18n/messages';
import { useFormat } from '~/i18n/format';
import { useLocale, useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { loaderWork } from '~/utils/errors.server';
import { type ErasureEvidence, getPrivacyKeys, getRequest, type SignedDocument, verifyEvidence } from '~/utils/privacy.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'privacy:read' };

export const meta: MetaFunction<typeof loader> = ({ matches, data }) => pageTitle(matches, data && { key: 'privacy.evidence.title', vars: { reference: data.reference } }, { key: 'privacy.title' });

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requirePermission(request, 'privacy:read');
  return loaderWork(async () => {
    const detail = await getRequest(params.id ?? '');
    const signed = detail.request.evidence as SignedDocument<ErasureEvidence> | null;
    const check = signed ? verifyEvidence(signed, getPrivacyKeys().evidencePublicKey) : null;
    return json({ id: detail.request.id, reference: detail.request.reference, signed, check });
  });
}

export default function EvidencePage() {
  const t = useT();
  const f = useFormat();
  const locale = useLocale();
  const { id, reference, signed, check } = useLoaderData<typeof loader>();
  if (!signed) {
    return (
      <>
        <h1>{t('privacy.evidence.title', { reference })}</h1>
        <p className="muted">{t('privacy.evidence.none')}</p>
      </>
    );
  }
  const e = signed.document;
  return (
    <article className="evidence">
      <h1>{t('privacy.evidence.title', { reference })}</h1>
      <p className="no-print">
        <button type="button" onClick={() => window.print()}>
          {t('privacy.evidence.print')}
        </button>{' '}
        <a className="button" href={`/privacy/requests/${id}/evidence.json`} download={`evidence-${reference}.json`}>
          {t('privacy.evidence.download')}
        </a>{' '}
        <Link to={`/privacy/requests/${id}`}>{t('privacy.request.facts')}</Link>
      </p>
      {check?.ok ? (
        <p className="alert alert-ok">{t('privacy.evidence.valid', { keyId: check.keyId })}</p>
      ) : (
        <p className="alert alert-error">{t('privacy.evidence.invalid', { reason: check && !check.ok ? check.reason : '' })}</p>
      )}
      <dl className="facts">
        <dt>{t('privacy.field.state')}</dt>
        <dd>{t(`privacy.state.${e.outcome}` as MessageKey)}</dd>
        <dt>{t('privacy.field.receivedOn')}</dt>
        <dd>{f.date(e.request.receivedOn)}</dd>
        <dt>{t('privacy.field.dueOn')}</dt>
        <dd>{e.request.extendedDueOn ? `${f.date(e.request.dueOn)} → ${f.date(e.request.extendedDueOn)} (${e.request.extensionReason ?? ''})` : f.date(e.request.dueOn)}</dd>
        <dt>{t('privacy.evidence.completedAt')}</dt>
        <dd>{formatDateTime(e.completedAt, locale)}</dd>
        <dt>{t('privacy.request.verification')}</dt>
        <dd>{e.identityVerification.method} ({e.identityVerification.by})</dd>
        <dt>{t('privacy.request.approval')}</dt>
        <dd>{t('privacy.request.approvedBy', { name: e.approval.by ?? '', time: formatDateTime(e.approval.at, locale) })}</dd>
        <dt>{t('privacy.evidence.totalRecords')}</dt>
        <dd>{e.totalRecords}</dd>
        <dt>{t('privacy.evidence.subjectHashes')}</dt>
        <dd className="privacy-json">{e.request.subjectHashes.join('\n')}</dd>
      </dl>
      <h2>{t('privacy.discovery.store')}</h2>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">{t('privacy.discovery.store')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('privacy.discovery.store')}</th>
              <th scope="col">{t('privacy.discovery.target')}</th>
              <th scope="col">{t('privacy.discovery.categories')}</th>
              <th scope="col">{t('privacy.discovery.method')}</th>
              <th scope="col" className="num">{t('privacy.discovery.records')}</th>
              <th scope="col">{t('privacy.evidence.erasedAt')}</th>
            </tr>
          </thead>
          <tbody>
            {e.stores.flatMap((s) =>
              s.targets.map((tg) => (
                <tr key={`${s.storeId}/${tg.target}`}>
                  <td>{s.name}</td>
                  <td><code>{tg.target}</code></td>
                  <td>{tg.categories.join(', ')}</td>
                  <td>{t(`privacy.method.${tg.method}` as MessageKey)}</td>
                  <td className="num">{tg.records}</td>
                  <td className="nowrap">{formatDateTime(tg.erasedAt, locale)}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </div>
      {e.refusals.length ? (
        <>
          <h2>{t('privacy.evidence.refusals')}</h2>
          <ul>
            {(e.refusals as { storeName: string; target: string; records: number; holds: { ground: string; description: string }[] }[]).map((r) => (
              <li key={`${r.storeName}/${r.target}`}>
                {r.storeName} / <code>{r.target}</code> ({r.records}): {r.holds.map((h) => `${t(`privacy.ground.${h.ground}` as MessageKey)} — ${h.description}`).join('; ')}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {e.models.length ? (
        <>
          <h2>{t('privacy.models.title')}</h2>
          <ul>
            {e.models.map((m) => (
              <li key={`${m.model}@${m.version}/${m.dataset}`}>
                {m.model}@{m.version} ({m.dataset}): {m.decision ? t(`privacy.decision.${m.decision}` as MessageKey) : ''} — {m.decidedBy}
                {m.justification ? `: ${m.justification}` : ''}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <h2>{t('privacy.evidence.signature')}</h2>
      <dl className="facts">
        <dt>{t('privacy.evidence.publicKey')}</dt>
        <dd className="privacy-json">{signed.publicKey}</dd>
        <dt>{t('privacy.evidence.signature')}</dt>
        <dd className="privacy-json">{signed.signature}</dd>
      </dl>
      <p className="muted small">{t('privacy.evidence.verifyHint')}</p>
    </article>
  );
}
