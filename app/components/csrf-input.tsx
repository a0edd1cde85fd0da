import { useMatches } from '@remix-run/react';

/**
 * The hidden CSRF field every mutating form carries. The token comes from the nearest
 * route that provides one: the root loader (the session's token) or, before sign-in, the
 * sign-in page's loader (the pre-session token).
 */
export function CsrfInput() {
  const matches = useMatches();
  let token = '';
  for (let i = matches.length - 1; i >= 0; i -= 1) {
    const data = matches[i]!.data as { csrfToken?: unknown } | null | undefined;
    if (data && typeof data.csrfToken === 'string' && data.csrfToken) {
      token = data.csrfToken;
      break;
    }
  }
  return <input type="hidden" name="csrf" value={token} />;
}
