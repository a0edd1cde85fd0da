import { Form, Link } from '@remix-run/react';
import { useState } from 'react';
import { CsrfInput } from '~/components/csrf-input';
import { useT } from '~/i18n/use-t';

/** A verification outcome as the server sends it (JSON). */
export interface VerificationView {
  ok: boolean;
  checked: number;
  head: { id: number; hash: string } | null;
  problem:
    | { kind: 'gap'; id: number; expectedId: number }
    | { kind: 'link'; id: number; expectedPrevHash: string; actualPrevHash: string }
    | { kind: 'hash'; id: number; storedHash: string; computedHash: string }
    | { kind: 'anchor'; id: number; expectedHash: string; actualHash: string | null }
    | null;
  ms: number;
  eventId: number;
}

/** One line of the streamed answer of POST /audit/verify (application/x-ndjson). */
export type VerifyStreamLine =
  | { type: 'progress'; checked: number; total: number }
  | { type: 'result'; result: VerificationView }
  | { type: 'error' };

type State =
  | { status: 'idle' }
  | { status: 'running'; checked: number; total: number }
  | { status: 'done'; result: VerificationView }
  | { status: 'error' };

/**
 * The "verify" button. With JavaScript it streams progress from /audit/verify; without,
 * the form posts to the page's own action and the result comes back with the page.
 */
export function AuditVerifyPanel({ serverResult }: { serverResult?: VerificationView | undefined }) {
  const t = useT();
  const [state, setState] = useState<State>({ status: 'idle' });
  const result = state.status === 'done' ? state.result : state.status === 'idle' ? serverResult : undefined;

  async function run(form: HTMLFormElement) {
    setState({ status: 'running', checked: 0, total: 0 });
    try {
      const response = await fetch('/audit/verify', {
        method: 'POST',
        body: new FormData(form),
        headers: { Accept: 'application/x-ndjson' },
      });
      if (!response.ok || !response.body) throw new Error(`status ${response.status}`);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (value) buffer += value;
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.trim()) continue;
          const message = JSON.parse(line) as VerifyStreamLine;
          if (message.type === 'progress') setState({ status: 'running', checked: message.checked, total: message.total });
          else if (message.type === 'result') setState({ status: 'done', result: message.result });
          else setState({ status: 'error' });
        }
        if (done) break;
      }
      setState((s) => (s.status === 'running' ? { status: 'error' } : s));
    } catch {
      setState({ status: 'error' });
    }
  }

  const running = state.status === 'running';
  return (
    <section className="card" aria-labelledby="audit-verify-title">
      <h2 id="audit-verify-title">{t('audit.verify.title')}</h2>
      <p className="muted">{t('audit.verify.description')}</p>
      <Form
        method="post"
        onSubmit={(event) => {
          event.preventDefault();
          void run(event.currentTarget);
        }}
      >
        <CsrfInput />
        <input type="hidden" name="intent" value="verify" />
        <button type="submit" disabled={running}>
          {running ? t('audit.verify.running') : t('audit.verify.button')}
        </button>
      </Form>
      <div role="status" aria-live="polite" className="verify-status">
        {state.status === 'running' ? (
          <p>
            <progress
              max={Math.max(state.total, 1)}
              value={state.checked}
              aria-label={t('audit.verify.progressLabel')}
            />{' '}
            {t('audit.verify.progress', { checked: state.checked, total: state.total })}
          </p>
        ) : null}
        {state.status === 'error' ? <p className="alert alert-error">{t('audit.verify.failed')}</p> : null}
        {result ? <VerificationOutcome result={result} /> : null}
      </div>
    </section>
  );
}

function VerificationOutcome({ result }: { result: VerificationView }) {
  const t = useT();
  const recorded = <p className="muted">{t('audit.verify.recorded', { id: result.eventId })}</p>;
  if (result.ok) {
    return (
      <div className="alert alert-ok">
        <p>
          {result.head ? t('audit.verify.ok', { count: result.checked, ms: result.ms }) : t('audit.verify.okEmpty')}
        </p>
        {result.head ? (
          <>
            <p>
              {t('audit.verify.head', { id: result.head.id })} <code className="hash">{result.head.hash}</code>
            </p>
            <p className="muted">{t('audit.verify.headHint')}</p>
          </>
        ) : null}
        {recorded}
      </div>
    );
  }
  const problem = result.problem!;
  const detail =
    problem.kind === 'gap'
      ? t('audit.verify.gap', { expected: problem.expectedId })
      : problem.kind === 'link'
        ? t('audit.verify.link', { id: problem.id })
        : problem.kind === 'hash'
          ? t('audit.verify.hash', { id: problem.id })
          : t('audit.verify.anchor', { id: problem.id });
  return (
    <div className="alert alert-error">
      <p>
        <strong>{t('audit.verify.broken', { id: problem.id })}</strong> {detail}
      </p>
      <p>{t('audit.verify.intactBefore', { count: result.checked })}</p>
      <p>
        <Link to={`/audit/${problem.id}`}>{t('audit.verify.openEvent', { id: problem.id })}</Link>
      </p>
      {recorded}
    </div>
  );
}
