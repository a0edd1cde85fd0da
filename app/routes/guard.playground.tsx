import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, json } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { FormError } from '~/components/auth/field';
import { CsrfInput } from '~/components/csrf-input';
import { Select, TextArea } from '~/components/guard/fields';
import { HighlightedText, TextPanel } from '~/components/guard/guard-views';
import { useFormat } from '~/i18n/format';
import type { MessageKey } from '~/i18n/messages';
import { useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { formAction } from '~/utils/errors.server';
import { parseForm } from '~/utils/form.server';
import { getPolicy, listPolicies, playground, safetyEndpoint } from '~/utils/guard.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'guard:read', actionPermission: 'guard:read' };

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, { key: 'guard.playground' }, { key: 'guard.title' });

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'guard:read');
  const policies = await listPolicies();
  // The page writes the labels: the status is a word in the reader's language.
  const options: { value: string; name: string; version: number; status: string }[] = [];
  for (const p of policies) {
    const { versions } = await getPolicy(p.id);
    for (const v of versions) options.push({ value: `${p.id}:${v.version}`, name: p.name, version: v.version, status: v.status });
  }
  return json({ options });
}

// Reading a text through a policy changes nothing, so guard:read suffices; the form still carries CSRF.
export async function action({ request }: ActionFunctionArgs) {
  await requirePermission(request, 'guard:read');
  return formAction(async () => {
    const data = await parseForm(
      request,
      z.object({
        text: z.string().min(1, 'Paste a text to check.').max(200_000, 'At most 200,000 characters.'),
        direction: z.enum(['input', 'output']),
        policy: z.string().optional(),
      }),
    );
    const [policyId, version] = (data.policy ?? '').split(':');
    const endpoint = safetyEndpoint();
    const result = await playground({
      text: data.text,
      ...(endpoint ? { safetyEndpoint: endpoint } : {}),
      direction: data.direction,
      ...(policyId && version ? { policyId, version: Number(version) } : {}),
    });
    return json({
      ok: true as const,
      text: data.text,
      decision: result.decision,
      latencyMs: Math.round(result.latencyMs * 100) / 100,
      redactedText: result.redactedText,
      spans: result.results.flatMap((r) => (r.verdict === 'pass' ? [] : r.spans)),
      results: result.results.map((r) => ({
        checkId: r.checkId,
        kind: r.kind,
        verdict: r.verdict,
        score: Math.round(r.score * 100) / 100,
        latencyMs: Math.round(r.latencyMs * 100) / 100,
        found: [...new Set(r.spans.map((s) => s.kind))].join(', '),
        error: r.error ?? null,
      })),
    });
  });
}

interface PlaygroundRun {
  ok: true;
  text: string;
  decision: 'allow' | 'block';
  latencyMs: number;
  redactedText: string;
  spans: { start: number; end: number; kind: string }[];
  results: { checkId: string; kind: string; verdict: string; score: number; latencyMs: number; found: string; error: string | null }[];
}

const verdictClass: Record<string, string> = { pass: 'badge badge-ok', flag: 'badge badge-warn', block: 'badge badge-danger', error: 'badge' };

export default function GuardPlaygroundPage() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<PlaygroundRun | { ok: false; formError: string; fieldErrors: Record<string, string[]> }>();
  const navigation = useNavigation();
  const t = useT();
  const f = useFormat();
  const failed = result && result.ok === false ? result : null;
  const run = result && result.ok ? result : null;
  return (
    <>
      <p>
        <Link to="/guard">{t('guard.backToList')}</Link>
      </p>
      <h1>{t('guard.playground')}</h1>
      {failed && Object.keys(failed.fieldErrors).length === 0 ? <FormError message={failed.formError} /> : null}
      <Form method="post" className="stack" noValidate>
        <CsrfInput />
        <TextArea name="text" label={t('guard.pg.text')} rows={8} errors={failed?.fieldErrors.text} defaultValue={run?.text} />
        <Select
          name="direction"
          label={t('guard.pg.direction')}
          options={[
            { value: 'input', label: t('guard.pg.input') },
            { value: 'output', label: t('guard.pg.output') },
          ]}
        />
        <Select name="policy" label={t('guard.pg.version')} options={[
            { value: '', label: t('guard.pg.defaults') },
            ...data.options.map((o) => ({ value: o.value, label: `${o.name} v${o.version} (${t(`guard.status.${o.status}` as MessageKey)})` })),
          ]} errors={failed?.fieldErrors.policy} />
        <button type="submit" disabled={navigation.state === 'submitting'}>
          {t('guard.pg.run')}
        </button>
      </Form>
      {run ? (
        <section aria-labelledby="pg-results">
          <h2 id="pg-results">{t('guard.pg.results')}</h2>
          <p role="status">
            <span className={run.decision === 'block' ? 'badge badge-danger' : 'badge badge-ok'}>
              {t('guard.pg.decision', { decision: t(run.decision === 'block' ? 'guard.pg.block' : 'guard.pg.allow'), ms: f.number(run.latencyMs, { max: 2 }) })}
            </span>
          </p>
          <div className="table-wrap" role="region" aria-label={t('guard.pg.results')} tabIndex={0}>
            <table>
              <caption className="visually-hidden">{t('guard.pg.results')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('guard.check.id')}</th>
                  <th scope="col">{t('guard.check.kind')}</th>
                  <th scope="col">{t('guard.pg.verdict')}</th>
                  <th scope="col">{t('guard.pg.score')}</th>
                  <th scope="col">{t('guard.pg.latency')}</th>
                  <th scope="col">{t('guard.pg.found')}</th>
                </tr>
              </thead>
              <tbody>
                {run.results.map((r) => (
                  <tr key={r.checkId}>
                    <td>
                      <code>{r.checkId}</code>
                    </td>
                    <td>{r.kind}</td>
                    <td>
                      <span className={verdictClass[r.verdict]}>{t(`guard.verdict.${r.verdict}` as MessageKey)}</span>
                    </td>
                    <td className="num">{f.number(r.score, { min: 2, max: 2 })}</td>
                    <td className="num">{f.number(r.latencyMs, { max: 2 })}</td>
                    <td>{r.error ?? r.found}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h3>{t('guard.pg.highlighted')}</h3>
          <HighlightedText text={run.text} spans={run.spans} label={t('guard.pg.highlighted')} />
          <h3>{t('guard.pg.redacted')}</h3>
          <TextPanel label={t('guard.pg.redacted')}>{run.redactedText}</TextPanel>
        </section>
      ) : null}
    </>
  );
}
