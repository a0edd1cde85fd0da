import { Form } from '@remix-run/react';
import { useEffect, useRef } from 'react';
import { createColumnHelper } from '@tanstack/react-table';
import { DataTable } from '~/components/data-table';
import { CsrfInput } from '~/components/csrf-input';
import { useLocale, useT } from '~/i18n/use-t';
import type { MessageKey } from '~/i18n/messages';
import { Field, FieldErrors, Notice } from './field';
import { formatDateTime } from '~/i18n/format';

/** A token as loaders send it to the page (dates as ISO strings; never the secret). */
export interface TokenRow {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  expiresAt: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  status: 'active' | 'expired' | 'revoked';
}

export const expiryChoices = [7, 30, 90, 180, 365] as const;

/**
 * The form that creates a token: name, scopes (checkboxes), lifetime. `createdToken` is the
 * secret of the token the last submission created: when it changes the form is emptied, so the
 * next token does not silently inherit the previous one's name and permissions.
 */
export function CreateTokenForm({
  scopes,
  fieldErrors,
  busy,
  createdToken,
}: {
  scopes: readonly string[];
  fieldErrors: Record<string, string[]>;
  busy: boolean;
  createdToken?: string | undefined;
}) {
  const t = useT();
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (createdToken) form.current?.reset();
  }, [createdToken]);
  const scopeErrors = Object.entries(fieldErrors)
    .filter(([k]) => k === 'scopes' || k.startsWith('scopes.'))
    .flatMap(([, v]) => v);
  const expiryErrors = [...(fieldErrors.expiresInDays ?? []), ...(fieldErrors.expiresAt ?? [])];
  return (
    <Form ref={form} method="post" className="stack" noValidate>
      <CsrfInput />
      <input type="hidden" name="intent" value="create" />
      <Field name="name" label={t('auth.tokens.name')} hint={t('auth.tokens.nameHint')} required errors={fieldErrors.name} />
      <fieldset aria-describedby={scopeErrors.length ? 'scopes-error' : 'scopes-hint'}>
        <legend>{t('auth.tokens.scopes')}</legend>
        <p id="scopes-hint" className="hint muted">
          {t('auth.tokens.scopesHint')}
        </p>
        <div className="cards">
          {scopes.map((scope) => (
            <label key={scope} className="checkbox">
              <input type="checkbox" name="scopes" value={scope} /> <code>{scope}</code>
            </label>
          ))}
        </div>
        <FieldErrors id="scopes-error" errors={scopeErrors.length ? scopeErrors : undefined} />
      </fieldset>
      <div className="field">
        <label htmlFor="expiresInDays">{t('auth.tokens.expiry')}</label>
        <select
          id="expiresInDays"
          name="expiresInDays"
          defaultValue="30"
          aria-invalid={expiryErrors.length ? true : undefined}
          aria-describedby={expiryErrors.length ? 'expiresInDays-error' : undefined}
        >
          {expiryChoices.map((days) => (
            <option key={days} value={days}>
              {t('auth.tokens.days', { n: days })}
            </option>
          ))}
        </select>
        <FieldErrors id="expiresInDays-error" errors={expiryErrors.length ? expiryErrors : undefined} />
      </div>
      <button type="submit" disabled={busy}>
        {t('auth.tokens.create')}
      </button>
    </Form>
  );
}

/** The secret of a token just created: shown once, selectable, with a warning. */
export function NewTokenNotice({ token, name }: { token: string; name: string }) {
  const t = useT();
  return (
    <Notice>
      <p>{t('auth.tokens.createdOnce', { name })}</p>
      <p>
        <label htmlFor="new-token">{t('auth.tokens.newToken')}</label>
      </p>
      <output id="new-token" className="secret">
        {token}
      </output>
    </Notice>
  );
}

const statusBadge = { active: 'badge-ok', expired: 'badge-warn', revoked: 'badge-danger' } as const;
const column = createColumnHelper<TokenRow>();

/** A list of tokens (the shared DataTable) with their state and, where allowed, a revoke button each. */
export function TokenTable({ tokens, canRevoke, caption }: { tokens: TokenRow[]; canRevoke: boolean; caption: string }) {
  const t = useT();
  const locale = useLocale();
  const columns = [
    column.accessor('name', { header: t('auth.tokens.name') }),
    column.accessor('prefix', { header: t('auth.tokens.prefix'), cell: (c) => <code>{c.getValue()}…</code> }),
    column.accessor('scopes', { header: t('auth.tokens.scopes'), cell: (c) => c.getValue().join(', ') }),
    column.accessor('expiresAt', { header: t('auth.tokens.expires'), cell: (c) => formatDateTime(c.getValue(), locale) }),
    column.accessor('lastUsedAt', {
      header: t('auth.tokens.lastUsed'),
      cell: (c) => (c.getValue() ? formatDateTime(c.getValue(), locale) : t('common.never')),
    }),
    column.accessor('status', {
      header: t('auth.tokens.status'),
      cell: (c) => <span className={`badge ${statusBadge[c.getValue()]}`}>{t(`auth.tokens.status.${c.getValue()}` as MessageKey)}</span>,
    }),
    ...(canRevoke
      ? [
          column.display({
            id: 'actions',
            header: t('common.actions'),
            cell: (c) =>
              c.row.original.status === 'active' ? (
                <Form method="post" className="inline-form">
                  <CsrfInput />
                  <input type="hidden" name="intent" value="revoke" />
                  <input type="hidden" name="id" value={c.row.original.id} />
                  <button type="submit" className="button-small" aria-label={t('auth.tokens.revokeNamed', { name: c.row.original.name })}>
                    {t('auth.tokens.revoke')}
                  </button>
                </Form>
              ) : null,
          }),
        ]
      : []),
  ];
  return (
    <DataTable caption={caption} columns={columns} data={tokens} getRowId={(row) => row.id} emptyMessage={t('auth.tokens.none')} />
  );
}
