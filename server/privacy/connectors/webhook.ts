import crypto from 'node:crypto';
import { z } from 'zod';
import { normaliseIdentifier, type SubjectIdentifier } from '../crypto';
import { categoryName } from './postgres';
import { type ConnectionCheck, type Connector, ConnectorError, type Discovery, type EraseContext, type Target } from './types';
import { privacyMessages as pm } from '../messages';

export const webhookStoreConfigSchema = z.object({
  url: z.url({ protocol: /^https?$/, error: pm.httpUrl }),
  categories: z.array(categoryName).min(1, { error: pm.categoriesRequired }),
  /** How the processor reaches Leitstand: `<base>/api/v1/privacy/webhook-callback`. */
  callbackBaseUrl: z.url({ protocol: /^https?$/, error: pm.httpUrl }),
  /** How long one attempt waits for the completion callback before the job retries. */
  callbackWaitSeconds: z.number().int().min(1).max(3600).default(60),
});
export type WebhookStoreConfig = z.infer<typeof webhookStoreConfigSchema>;

export const webhookCredentialsSchema = z.object({
  secret: z.string().min(32, { error: pm.secretLength }),
});

export const SIGNATURE_HEADER = 'x-leitstand-signature';
const TOLERANCE_SECONDS = 300;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">` — the scheme both directions use. */
export function signBody(secret: string, body: string, now = Date.now()): string {
  const t = Math.floor(now / 1000);
  const mac = crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${mac}`;
}

/** Checks a signature header against the body; refuses stale timestamps (replay). */
export function verifyBodySignature(secret: string, body: string, header: string | null, now = Date.now()): boolean {
  if (!header) return false;
  const fields = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(fields.t);
  const given = fields.v1 ?? '';
  if (!Number.isInteger(t) || Math.abs(now / 1000 - t) > TOLERANCE_SECONDS || !/^[0-9a-f]{64}$/.test(given)) return false;
  const expected = crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return crypto.timingSafeEqual(expected, Buffer.from(given, 'hex'));
}

/** What Leitstand sends a processor. */
export interface WebhookRequest {
  action: 'ping' | 'count' | 'erase' | 'verify';
  requestId: string | null;
  storeId: string;
  identifiers: SubjectIdentifier[];
  callbackUrl: string | null;
}

/** What a processor sends back to the callback URL when an erasure is done. */
export const webhookCallbackSchema = z.object({
  requestId: z.uuid(),
  storeId: z.uuid(),
  status: z.enum(['completed', 'failed']),
  records: z.number().int().min(0),
});

/**
 * A processor Leitstand cannot reach directly: signed JSON requests out, a signed
 * callback in. Count and verify answer synchronously `{ records }`; erase is accepted
 * (2xx) and completed by the callback, which the job waits for.
 */
export class WebhookConnector implements Connector {
  constructor(
    private readonly storeId: string,
    private readonly config: WebhookStoreConfig,
    private readonly secret: string,
  ) {}

  private async send(request: WebhookRequest, signal?: AbortSignal): Promise<{ status: number; body: unknown }> {
    const body = JSON.stringify(request);
    let response: Response;
    try {
      response = await fetch(this.config.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(this.secret, body) },
        body,
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(15_000)]) : AbortSignal.timeout(15_000),
        redirect: 'error',
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new ConnectorError(`the processor did not answer (${(error as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable'})`);
    }
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!response.ok) throw new ConnectorError(`the processor answered HTTP ${response.status}`);
    return { status: response.status, body: parsed };
  }

  private records(body: unknown): number {
    const n = (body as { records?: unknown } | null)?.records;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new ConnectorError('the processor answered without a record count');
    return n;
  }

  private request(action: WebhookRequest['action'], subject: SubjectIdentifier[], requestId: string | null): WebhookRequest {
    return {
      action,
      requestId,
      storeId: this.storeId,
      identifiers: subject.map(normaliseIdentifier),
      callbackUrl: action === 'erase' ? `${this.config.callbackBaseUrl.replace(/\/$/, '')}/api/v1/privacy/webhook-callback` : null,
    };
  }

  async test(): Promise<ConnectionCheck> {
    try {
      await this.send(this.request('ping', [], null));
      return { ok: true, detail: 'the processor accepted a signed ping' };
    } catch (error) {
      return { ok: false, reason: error instanceof ConnectorError ? error.message : 'unreachable' };
    }
  }

  async discover(): Promise<Discovery> {
    return { tables: [], notes: [`categories reported by the operator: ${this.config.categories.join(', ')}`] };
  }

  async checkMapping(): Promise<string[]> {
    return [];
  }

  async targets(): Promise<Target[]> {
    return [{ key: 'processor', categories: this.config.categories, method: 'webhook' }];
  }

  async count(_target: Target, subject: SubjectIdentifier[]): Promise<number> {
    return this.records((await this.send(this.request('count', subject, null))).body);
  }

  async verify(_target: Target, subject: SubjectIdentifier[]): Promise<number> {
    return this.records((await this.send(this.request('verify', subject, null))).body);
  }

  /**
   * Asks the processor to erase (it must treat a repeated request id as the same request),
   * then waits for its signed callback. No callback within the wait: the attempt fails and
   * the job retries later; a callback that arrived meanwhile completes it without resending.
   */
  async erase(_target: Target, subject: SubjectIdentifier[], context: EraseContext): Promise<number> {
    if (!context.requestId || !context.callbacks) throw new ConnectorError('a webhook erasure needs a request and its callbacks');
    const done = await context.callbacks.get(context.requestId, this.storeId);
    if (!done) await this.send(this.request('erase', subject, context.requestId), context.signal);
    const deadline = Date.now() + this.config.callbackWaitSeconds * 1000;
    for (;;) {
      const callback = await context.callbacks.get(context.requestId, this.storeId);
      if (callback?.status === 'completed') return callback.records;
      if (callback?.status === 'failed') throw new ConnectorError('the processor reported that the erasure failed');
      if (Date.now() > deadline) throw new ConnectorError('no completion callback from the processor yet; will ask again');
      if (context.signal?.aborted) throw context.signal.reason;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async close(): Promise<void> {}
}
