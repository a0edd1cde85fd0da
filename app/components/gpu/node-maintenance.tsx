import { Form, useNavigation } from '@remix-run/react';
import { useEffect, useState } from 'react';
import { Field, FieldErrors, FormError, Notice, useMessage } from '~/components/auth/field';
import { CsrfInput } from '~/components/csrf-input';
import { type DrainAcknowledgement, useAckNames } from '~/components/gpu/drain-status';
import { SelectField } from '~/components/tenants/fields';
import { useT } from '~/i18n/use-t';

export type MaintenanceResult =
  | { ok: false; formError: string; fieldErrors: Record<string, string[]> }
  | { ok: true; intent: 'cordon' | 'uncordon' }
  | {
      ok: true;
      intent: 'drain-preview';
      preview: DrainPreviewView;
    }
  | { ok: true; intent: 'drain'; jobId: string; created: boolean }
  | { ok: true; intent: 'drain-cancel' }
  | { ok: true; intent: 'mig-preview' | 'mig'; preview: { current: { layout: string | null; resources: Record<string, number> }; next: { layout: string; resources: Record<string, number> }; problems: string[] } };

/** The drain preview as the action sends it. */
export interface DrainPreviewView {
  pods: Array<{
    namespace: string;
    name: string;
    workload: string | null;
    gpus: number;
    outcome: string;
    reason?: string;
    reschedule?: string | null;
    rescheduleReason?: string;
    /** Evicted or blocked pods: what evicting them destroys, and the acknowledgements that takes. */
    bare?: boolean;
    emptyDirVolumes?: string[];
    needs?: DrainAcknowledgement[];
  }>;
  blockedBy: Array<{ pdb: string; disruptionsAllowed: number; currentHealthy: number; desiredHealthy: number; pods: string[] }>;
  /** Acknowledgements starting the drain takes. */
  needs?: DrainAcknowledgement[];
  complete: boolean;
}

/**
 * The drain form: confirmation by the node's name, and a checkbox per acknowledgement the
 * preview found pods for (unticked: those pods are not evicted).
 */
function DrainForm({ node, preview, errors, busy }: { node: string; preview: DrainPreviewView | null; errors: Record<string, string[]>; busy: boolean }) {
  const t = useT();
  const needs = preview?.needs ?? [];
  const podsNeeding = (ack: DrainAcknowledgement) =>
    (preview?.pods ?? []).filter((p) => p.outcome !== 'skipped' && p.needs?.includes(ack)).map((p) => `${p.namespace}/${p.name}`);
  return (
    <Form method="post" className="stack">
      <Hidden intent="drain" />
      {needs.length > 0 ? (
        <fieldset>
          <legend>{t('gpu.node.acks')}</legend>
          <p className="muted small">{t('gpu.node.acksIntro')}</p>
          {needs.map((ack) => {
            const errorId = errors[ack]?.length ? `drain-${ack}-error` : undefined;
            return (
              <div key={ack}>
                <label className="checkbox">
                  <input type="checkbox" name={ack} value="true" aria-invalid={errorId ? true : undefined} aria-describedby={errorId} />
                  <span>
                    <strong>{t(`gpu.ack.${ack}`)}</strong>
                    {' — '}
                    <span className="muted">{t(`gpu.ack.${ack}.description`)}</span>
                    <br />
                    <span className="small">{t('gpu.node.ackPods', { pods: podsNeeding(ack).join(', ') })}</span>
                  </span>
                </label>
                <FieldErrors id={errorId} errors={errors[ack]} />
              </div>
            );
          })}
        </fieldset>
      ) : null}
      <Field name="confirm" label={t('gpu.node.drainConfirm', { node })} errors={errors.confirm} autoComplete="off" />
      <button type="submit" className="danger" disabled={busy}>{t('gpu.node.drain')}</button>
    </Form>
  );
}

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
  const message = useMessage();
  const ackNames = useAckNames();
  const busy = useNavigation().state === 'submitting';
  const errors = result && !result.ok ? result.fieldErrors : {};
  // The last preview, so a drain form shown again after refused input still asks for its acknowledgements.
  const [lastPreview, setLastPreview] = useState<DrainPreviewView | null>(null);
  useEffect(() => {
    if (result?.ok && result.intent === 'drain-preview') setLastPreview(result.preview);
  }, [result]);
  const drainRefused = Boolean(errors.confirm ?? errors.force ?? errors.deleteEmptyDirData);
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
                    <td>
                      {p.outcome === 'evicted' ? t('gpu.node.outcome.evicted') : p.outcome === 'blocked' ? t('gpu.node.outcome.blocked') : t('gpu.node.outcome.skipped')} {p.reason ? <span className="muted">— {p.reason}</span> : null}
                      {p.outcome !== 'skipped' && p.needs?.length ? (
                        <ul className="small">
                          {p.bare ? <li>{t('gpu.node.risk.bare')}</li> : null}
                          {p.emptyDirVolumes?.length ? <li>{t('gpu.node.risk.emptyDir', { volumes: p.emptyDirVolumes.join(', ') })}</li> : null}
                          <li>
                            <strong>{t('gpu.node.risk.needs', { acks: ackNames(p.needs) })}</strong>
                          </li>
                        </ul>
                      ) : null}
                    </td>
                    <td>{p.outcome === 'evicted' ? (p.reschedule ?? '—') : '—'} {p.rescheduleReason ? <span className="muted">({p.rescheduleReason})</span> : null}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <DrainForm node={node} preview={result.preview} errors={errors} busy={busy} />
        </div>
      ) : null}
      {result && !result.ok && drainRefused ? <DrainForm node={node} preview={lastPreview} errors={errors} busy={busy} /> : null}

      {result?.ok && result.intent === 'drain' ? <Notice>{t(result.created ? 'gpu.drain.started' : 'gpu.drain.joined')}</Notice> : null}
      {result?.ok && result.intent === 'drain-cancel' ? <Notice>{t('gpu.drain.stopped')}</Notice> : null}

      {result?.ok && (result.intent === 'mig-preview' || result.intent === 'mig') ? (
        <div>
          <h3>{result.intent === 'mig' ? t('gpu.node.migApplied', { layout: result.preview.next.layout }) : t('gpu.node.migPreviewTitle', { from: result.preview.current.layout ?? '—', to: result.preview.next.layout })}</h3>
          {result.preview.problems.length > 0 ? (
            <ul className="alert alert-error" role="alert">
              {result.preview.problems.map((p) => <li key={p}>{message(p)}</li>)}
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
