import { Link, isRouteErrorResponse, useRouteError } from '@remix-run/react';
import { translateServerMessage, useLocale, useT } from '~/i18n/use-t';
import type { MessageKey } from '~/i18n/messages';

const known = new Set([400, 401, 403, 404, 409, 413, 429]);

/**
 * The one error view. 4xx messages from the server are written for people and shown;
 * anything else shows a generic message and the request id — never a stack trace.
 */
export function GeneralErrorBoundary() {
  const error = useRouteError();
  const t = useT();
  const locale = useLocale();
  let status = 500;
  let detail: string | undefined;
  let permission: string | undefined;
  let requestId: string | undefined;
  if (isRouteErrorResponse(error)) {
    status = error.status;
    const data = (typeof error.data === 'string' ? { error: error.data } : error.data) as
      | { error?: string; messageKey?: string; permission?: string; requestId?: string }
      | null;
    const message = data?.messageKey ?? data?.error;
    // A message key (optionally with variables) is shown in the reader's language; plain text as it is.
    if (status < 500 && message) detail = translateServerMessage(locale, message);
    permission = data?.permission;
    requestId = data?.requestId;
  }
  const key = (known.has(status) ? `error.${status}` : 'error.500') as MessageKey;
  return (
    <section className="error-panel" role="alert" aria-labelledby="error-title">
      <h1 id="error-title">
        {status} — {t('error.title')}
      </h1>
      <p>{t(key)}</p>
      {detail && detail !== t(key) ? <p>{detail}</p> : null}
      {permission ? <p>{t('error.403.permission', { permission })}</p> : null}
      {requestId ? <p className="muted">{t('error.requestId', { id: requestId })}</p> : null}
      <p>
        <Link to="/">{t('error.back')}</Link>
      </p>
    </section>
  );
}
