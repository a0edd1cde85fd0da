import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CallbackPort,
  WebhookConnector,
  signBody,
  verifyBodySignature,
  webhookCallbackSchema,
} from '../../../server/privacy/connectors';
import { startScript, stopScript } from '../../fixtures/privacy/processes';

const secret = 'processor-shared-secret-0123456789abcdef';
const storeId = '7b0f2f8e-2d7c-4a43-9f3c-2b0a5c1d9e11';
const requestId = '0d9b7a52-4a8e-4d1e-8f1e-3a3b6c5d4e2f';
let processor: { child: ChildProcess; port: number };
let receiver: http.Server;
const received = new Map<string, { status: string; records: number }>();
let rejectedCallbacks = 0;

// The callback side: accepts only correctly signed callbacks, as Leitstand's route does.
const callbacks: CallbackPort = { get: async (r, s) => received.get(`${r}/${s}`) ?? null };

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (!verifyBodySignature(secret, body, req.headers['x-leitstand-signature'] as string)) {
        rejectedCallbacks++;
        res.writeHead(401).end();
        return;
      }
      const cb = webhookCallbackSchema.parse(JSON.parse(body));
      received.set(`${cb.requestId}/${cb.storeId}`, { status: cb.status, records: cb.records });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  processor = await startScript('test/fixtures/privacy/webhook-processor.ts', {
    PROCESSOR_SECRET: secret,
    PROCESSOR_RECORDS: JSON.stringify({ 'anna.schmidt@example.org': 7, 'bob@example.org': 3 }),
    PROCESSOR_FAIL_ERASES: '1',
  });
});

afterAll(async () => {
  if (processor) await stopScript(processor.child);
  await new Promise((r) => receiver?.close(r));
});

function connector(secretUsed = secret) {
  return new WebhookConnector(
    storeId,
    {
      url: `http://127.0.0.1:${processor.port}/`,
      categories: ['user.support.tickets'],
      callbackBaseUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
      callbackWaitSeconds: 5,
    },
    secretUsed,
  );
}

const subject = [{ kind: 'email' as const, value: 'Anna.Schmidt@example.org' }];

async function state() {
  return (await (await fetch(`http://127.0.0.1:${processor.port}/state`)).json()) as { records: Record<string, number> };
}

describe('webhook signatures', () => {
  it('accepts its own signature and refuses a changed body, another secret and a stale timestamp', () => {
    const header = signBody(secret, '{"a":1}');
    expect(verifyBodySignature(secret, '{"a":1}', header)).toBe(true);
    expect(verifyBodySignature(secret, '{"a":2}', header)).toBe(false);
    expect(verifyBodySignature('x'.repeat(40), '{"a":1}', header)).toBe(false);
    expect(verifyBodySignature(secret, '{"a":1}', signBody(secret, '{"a":1}', Date.now() - 10 * 60_000))).toBe(false);
    expect(verifyBodySignature(secret, '{"a":1}', null)).toBe(false);
  });
});

describe('WebhookConnector against a processor in another process', () => {
  it('pings with a signed request; a wrong secret is refused by the processor', async () => {
    expect(await connector().test()).toMatchObject({ ok: true });
    expect(await connector('wrong-secret-wrong-secret-wrong-secret').test()).toEqual({ ok: false, reason: 'the processor answered HTTP 401' });
  });

  it('counts, and fails an erase the processor refuses without losing data, then completes on retry', async () => {
    const c = connector();
    const [target] = await c.targets();
    expect(await c.count(target!, subject)).toBe(7);
    await expect(c.erase(target!, subject, { requestId, callbacks })).rejects.toThrow('HTTP 503');
    expect((await state()).records).toEqual({ 'anna.schmidt@example.org': 7, 'bob@example.org': 3 });
    expect(await c.erase(target!, subject, { requestId, callbacks })).toBe(7);
    expect(await c.verify(target!, subject)).toBe(0);
    expect((await state()).records).toEqual({ 'bob@example.org': 3 });
    // Once the callback is recorded, repeating the step sends nothing and reports the same count.
    expect(await c.erase(target!, subject, { requestId, callbacks })).toBe(7);
    expect(rejectedCallbacks).toBe(0);
  });
});
