/**
 * A cookie-keeping HTTP client that signs in through Leitstand's own forms (pre-session CSRF
 * cookie, hidden fields, redirects), for benchmarks and API checks that need a session
 * without a browser. Forms are read from the server-rendered HTML.
 */

export interface FormInfo {
  action: string | null;
  method: string;
  /** Every named input, select and textarea with its current value (hidden ones included). */
  fields: Record<string, string>;
  /** name → type attribute of each input. */
  types: Record<string, string>;
}

export interface PageResult {
  status: number;
  location: string | null;
  html: string;
  url: string;
}

const entities: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#x27;': "'", '&#39;': "'" };
const decode = (s: string) => s.replace(/&(amp|lt|gt|quot|#x27|#39);/g, (e) => entities[e] ?? e);
const attr = (tag: string, name: string) => {
  const m = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag);
  return m ? decode(m[1]!) : null;
};

/** The POST forms of a server-rendered page. */
export function parseForms(html: string): FormInfo[] {
  const forms: FormInfo[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const open = m[1]!;
    const body = m[2]!;
    const fields: Record<string, string> = {};
    const types: Record<string, string> = {};
    for (const input of body.matchAll(/<input\b[^>]*>/gi)) {
      const name = attr(input[0], 'name');
      if (!name) continue;
      const type = (attr(input[0], 'type') ?? 'text').toLowerCase();
      if ((type === 'checkbox' || type === 'radio') && !/\schecked(=|\s|>|\/)/i.test(input[0])) continue;
      types[name] = type;
      fields[name] = attr(input[0], 'value') ?? (type === 'checkbox' ? 'on' : '');
    }
    for (const select of body.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/gi)) {
      const name = attr(`<x${select[1]!}>`, 'name');
      if (!name) continue;
      const selected = /<option\b[^>]*\sselected[^>]*>/i.exec(select[2]!) ?? /<option\b[^>]*>/i.exec(select[2]!);
      types[name] = 'select';
      fields[name] = selected ? (attr(selected[0], 'value') ?? '') : '';
    }
    for (const area of body.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/gi)) {
      const name = attr(`<x${area[1]!}>`, 'name');
      if (name) {
        types[name] = 'textarea';
        fields[name] = decode(area[2]!);
      }
    }
    forms.push({ action: attr(`<x${open}>`, 'action'), method: (attr(`<x${open}>`, 'method') ?? 'get').toLowerCase(), fields, types });
  }
  return forms;
}

export class HttpSession {
  readonly cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  /** A request with this session's cookies; redirects are returned, not followed. */
  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(new URL(path, this.baseUrl), { ...init, headers, redirect: 'manual' });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0/i.test(cookie) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  async get(path: string): Promise<PageResult> {
    const res = await this.request(path);
    return { status: res.status, location: res.headers.get('location'), html: await res.text(), url: path };
  }

  /** Follows redirects (GET) from a path until a non-redirect answer. */
  async follow(path: string, limit = 5): Promise<PageResult> {
    let page = await this.get(path);
    for (let i = 0; i < limit && page.location && page.status >= 300 && page.status < 400; i++) {
      page = await this.get(page.location);
    }
    return page;
  }

  /** Submits `form` (as parsed from the page at `pagePath`) with `values` merged over its fields. */
  async submit(pagePath: string, form: FormInfo, values: Record<string, string>): Promise<PageResult> {
    const body = new URLSearchParams({ ...form.fields, ...values });
    // A form without an action posts to the page it is on.
    const resolved = new URL(form.action ?? pagePath, new URL(pagePath, this.baseUrl));
    const target = resolved.pathname + resolved.search;
    const res = await this.request(target, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(this.baseUrl).origin },
      body,
    });
    return { status: res.status, location: res.headers.get('location'), html: await res.text(), url: target };
  }
}

/**
 * Signs in through /sign-in. When Leitstand demands a new password first (the initial
 * admin), sets `newPassword` through the forced-change form. Returns the signed-in session.
 */
export async function signInOverHttp(
  baseUrl: string,
  username: string,
  password: string,
  options: { newPassword?: string } = {},
): Promise<HttpSession> {
  const session = new HttpSession(baseUrl);
  const page = await session.follow('/sign-in');
  const form = parseForms(page.html).find((f) => f.method === 'post' && Object.values(f.types).includes('password'));
  if (!form) throw new Error(`/sign-in has no password form (status ${page.status}).`);
  const userField = Object.keys(form.types).find((n) => /user|name|login|email/i.test(n) && form.types[n] !== 'hidden');
  const passwordField = Object.keys(form.types).find((n) => form.types[n] === 'password')!;
  if (!userField) throw new Error('/sign-in has no user name field.');
  const answer = await session.submit(page.url, form, { [userField]: username, [passwordField]: password });
  if (!answer.location) throw new Error(`sign-in as ${username} was refused (status ${answer.status}).`);
  const landing = await session.follow(answer.location);
  const change = parseForms(landing.html).find(
    (f) => f.method === 'post' && Object.values(f.types).filter((t) => t === 'password').length >= 2,
  );
  if (change) {
    if (!options.newPassword) throw new Error(`${username} must change the password first; pass newPassword.`);
    const fields = Object.keys(change.types).filter((n) => change.types[n] === 'password');
    const values: Record<string, string> = {};
    // The current password comes first when the form asks for it; the others take the new one.
    fields.forEach((name, i) => {
      values[name] = i === 0 && fields.length >= 3 ? password : options.newPassword!;
    });
    const changed = await session.submit(landing.url, change, values);
    if (!changed.location) throw new Error(`the forced password change was refused (status ${changed.status}).`);
  }
  return session;
}
