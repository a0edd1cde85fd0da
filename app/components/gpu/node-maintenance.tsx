import { Form, useNavigation } from '@remix-run/react';
import { Field, FormError, Notice } from '~/components/auth/field';
import { CsrfInput } from '~/components/csrf-input';
import { SelectField } from '~/components/tenants/fields';
import { useT } from '~/i18n/use-t';

export type MaintenanceResult =
  | { ok: false; formError: string; fieldErrors: Record<string, string[]> }
  | { ok: true; intent: 'cordon' | 'uncordon' }
  | {
      ok: true;
      intent: 'drain-preview';
      preview: {
        pods: Array<{ namespace: string; name: string; workload: string | null; gpus: number; outcome: string; reason?: string; reschedule?: string | null; rescheduleReason?: string }>;
        blockedBy: Array<{ pdb: string; disruptionsAllowed: number; currentHealthy: number; desiredHealthy: number; pods: string[] }>;
        complete: boolean;
      };
    }
  | { ok: true; intent: 'drain'; jobId: string; created: boolean }
  | { ok: true; intent: 'drain-cancel' }
  | { ok: true; intent: 'mig-preview' | 'mig'; preview: { current: { layout: string | null; resources: Record<string, number> }; next: { layout: string; resources: Record<string, number> }; problems: string[] } };

function Hidden({ intent }: { intent: string }) {
  return (
    <>
      <CsrfInput />
      <input type="hidden" name="intent" value={intent} />
    </>
  );
}

/** Cordon/uncordon, drain with preview and confirmation, MIG layout change with preview. */
export function NodeMaintenance({ node, cordoned, migCapable, migLayouts, result }: { node: string; cordoned: boolean; migCapable: boolean; migLayouts: string[]; result: MaintenanceResult | undefined }) {
  const t = useT();
  const busy = useNavigation().state === 'submitting';
  const errors = result && !result.ok ? result.fieldErrors : {};
  return (
    <section aria-labelledby="maintenance">
      <h2 id="maintenance">{t('gpu.node.maintenance')}</h2>
      {result && !result.ok ? <FormError message={Object.keys(result.fieldErrors).length ? result.formError : result.formError} /> : null}
      {result?.ok && (result.intent === 'cordon' || result.intent === 'uncordon') ? <Notice>{t(result.intent === 'cordon' ? 'gpu.node.cordoned' : 'gpu.node.uncordoned')}</Notice> : null}
      <div className="cards wide">
        <div className="card">
          <Form method="post">
            <Hidden intent={cordoned ? 'uncordon' : 'cordon'} />
            <p className="muted">{cordoned ? t('gpu.node.uncordonIntro') : t('gpu.node.cordonIntro')}</p>
            <button type="submit" disabled={busy}>{cordoned ? t('gpu.node.uncordon') : t('gpu.node.cordon')}</button>
          </Form>
        </div>
        <div className="card">
          <Form method="post">
            <Hidden intent="drain-preview" />
            <p className="muted">{t('gpu.node.drainIntro')}</p>
            <button type="submit" disabled={busy}>{t('gpu.node.drainPreview')}</button>
          </Form>
        </div>
        {migCapable ? (
          <div className="card">
            <Form method="post" className="stack">
              <Hidden intent="mig-preview" />
              <SelectField idPrefix="mig-" name="layout" label={t('gpu.node.migLayout')} errors={errors.layout} options={migLayouts.map((l) => ({ value: l, label: l }))} />
              <button type="submit" disabled={busy}>{t('gpu.node.migPreview')}</button>
            </Form>
          </div>
        ) : null}
      </div>

      {result?.ok && result.intent === 'drain-preview' ? (
        <div>
          <h3>{t('gpu.node.drainPreviewTitle')}</h3>
          {result.preview.blockedBy.length > 0 ? (
            <ul className="alert alert-error" role="alert">
              {result.preview.blockedBy.map((b) => (
                <li key={b.pdb}>{t('gpu.node.blockedBy', { pdb: b.pdb, allowed: b.disruptionsAllowed, healthy: b.currentHealthy, desired: b.desiredHealthy, pods: b.pods.join(', ') })}</li>
              ))}
            </ul>
          ) : null}
          {result.preview.pods.length === 0 ? (
            <p className="muted">{t('gpu.node.noPodsToEvict')}</p>
          ) : (
            <table>
              <caption className="visually-hidden">{t('gpu.node.drainPreviewTitle')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('node.pod.name')}</th>
                  <th scope="col" className="num">{t('node.pod.gpus')}</th>
                  <th scope="col">{t('gpu.node.outcome')}</th>
                  <th scope="col">{t('gpu.node.reschedule')}</th>
                </tr>
              </thead>
              <tbody>
                {result.preview.pods.map((p) => (
                  <tr key={`${p.namespace}/${p.name}`}>
                    <td>{p.namespace}/{p.name}</td>
                    <td className="num">{p.gpus}</td>
                    <td>{p.outcome === 'evicted' ? t('gpu.node.outcome.evicted') : p.outcome === 'blocked' ? t('gpu.node.outcome.blocked') : t('gpu.node.outcome.skipped')} {p.reason ? <span className="muted">— {p.reason}</span> : null}</td>
                    <td>{p.outcome === 'evicted' ? (p.reschedule ?? '—') : '—'} {p.rescheduleReason ? <span className="muted">({p.rescheduleReason})</span> : null}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <Form method="post" className="stack">
            <Hidden intent="drain" />
            <Field name="confirm" label={t('gpu.node.drainConfirm', { node })} errors={errors.confirm} autoComplete="off" />
            <button type="submit" className="danger" disabled={busy}>{t('gpu.node.drain')}</button>
          </Form>
        </div>
      ) : null}
      {result && !result.ok && errors.confirm ? (
        <Form method="post" className="stack">
          <Hidden intent="drain" />
          <Field name="confirm" label={t('gpu.node.drainConfirm', { node })} errors={errors.confirm} autoComplete="off" />
          <button type="submit" className="danger" disabled={busy}>{t('gpu.node.drain')}</button>
        </Form>
      ) : null}

      {result?.ok && result.intent === 'drain' ? <Notice>{t(result.created ? 'gpu.drain.started' : 'gpu.drain.joined')}</Notice> : null}
      {result?.ok && result.intent === 'drain-cancel' ? <Notice>{t('gpu.drain.stopped')}</Notice> : null}

      {result?.ok && (result.intent === 'mig-preview' || result.intent === 'mig') ? (
        <div>
          <h3>{result.intent === 'mig' ? t('gpu.node.migApplied', { layout: result.preview.next.layout }) : t('gpu.node.migPreviewTitle', { from: result.preview.current.layout ?? '—', to: result.preview.next.layout })}</h3>
          {result.preview.problems.length > 0 ? (
            <ul className="alert alert-error" role="alert">
              {result.preview.problems.map((p) => <li key={p}>{p}</li>)}
            </ul>
          ) : null}
          <table>
            <caption className="visually-hidden">{t('gpu.node.migPreviewTitle', { from: result.preview.current.layout ?? '—', to: result.preview.next.layout })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('node.migResource')}</th>
                <th scope="col" className="num">{t('gpu.node.now')}</th>
                <th scope="col" className="num">{t('gpu.node.after')}</th>
              </tr>
            </thead>
            <tbody>
              {Object.keys({ ...result.preview.current.resources, ...result.preview.next.resources }).sort().map((r) => (
                <tr key={r}>
                  <td><code>{r}</code></td>
                  <td className="num">{result.preview.current.resources[r] ?? 0}</td>
                  <td className="num">{result.preview.next.resources[r] ?? 0}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {result.intent === 'mig-preview' && result.preview.problems.length === 0 ? (
            <Form method="post">
              <Hidden intent="mig" />
              <input type="hidden" name="layout" value={result.preview.next.layout} />
              <button type="submit" className="danger" disabled={busy}>{t('gpu.node.migApply', { layout: result.preview.next.layout })}</button>
            </Form>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
