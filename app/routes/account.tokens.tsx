import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { FormError, Notice } from '~/components/auth/field';
import { CreateTokenForm, NewTokenNotice, TokenTable } from '~/components/auth/tokens';
import { useT } from '~/i18n/use-t';
import { requirePermission, tokenRows } from '~/utils/auth.server';
import { formAction } from '~/utils/errors.server';
import { parseForm } from '~/utils/form.server';
import { createApiToken, createTokenSchema, listApiTokens, revokeApiToken } from '~/utils/auth.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'tokens:write' };

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, { key: 'auth.tokens.personalTitle' });

export async function loader({ request }: LoaderFunctionArgs) {
  const { principal } = await requirePermission(request, 'tokens:write');
  const tokens = await listApiTokens(principal, { kind: 'personal' });
  return json({ tokens: tokenRows(tokens), scopes: principal.permissions as string[] });
}

// A function, not a module constant: module-level calls would pull server code into the browser bundle.
function schema() {
  return z.discriminatedUnion('intent', [
    createTokenSchema.safeExtend({ intent: z.literal('create') }),
    z.object({ intent: z.literal('revoke'), id: z.string() }),
  ]);
}

export async function action({ request }: ActionFunctionArgs) {
  const { principal } = await requirePermission(request, 'tokens:write');
  return formAction(async () => {
    const data = await parseForm(request, schema());
    if (data.intent === 'revoke') {
      const revoked = await revokeApiToken(principal, data.id);
      return json({ ok: true as const, revoked: revoked.name });
    }
    const { token, info } = await createApiToken(principal, 'personal', data);
    return json({ ok: true as const, created: { token, name: info.name } });
  });
}

type Result = { ok: true; created?: { token: string; name: string }; revoked?: string } | { ok: false; formError: string; fieldErrors: Record<string, string[]> };

export default function PersonalTokens() {
  const t = useT();
  const { tokens, scopes } = useLoaderData<typeof loader>();
  const result = useActionData<Result>();
  const navigation = useNavigation();
  const fieldErrors = result && !result.ok ? result.fieldErrors : {};
  return (
    <>
      <h1>{t('auth.tokens.personalTitle')}</h1>
      <p className="muted">{t('auth.tokens.personalIntro')}</p>
      {result?.ok && result.created ? <NewTokenNotice token={result.created.token} name={result.created.name} /> : null}
      {result?.ok && result.revoked ? <Notice>{t('auth.tokens.revoked', { name: result.revoked })}</Notice> : null}
      {result && !result.ok && Object.keys(fieldErrors).length === 0 ? <FormError message={result.formError} /> : null}
      <h2 id="tokens-list">{t('auth.tokens.yours')}</h2>
      <TokenTable tokens={tokens} canRevoke caption={t('auth.tokens.yours')} />
      <h2>{t('auth.tokens.createTitle')}</h2>
      <CreateTokenForm scopes={scopes} fieldErrors={fieldErrors} busy={navigation.state === 'submitting'} createdToken={result?.ok ? result.created?.token : undefined} />
    </>
  );
}
