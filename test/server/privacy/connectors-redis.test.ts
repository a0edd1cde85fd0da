import crypto from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisConnector, escapeGlob } from '../../../server/privacy/connectors';
import { redisUrl } from '../../fixtures/privacy/servers';

// The local Redis server, under a prefix unique to this run; only that prefix is cleaned up.
const prefix = `leitstand-test:${crypto.randomBytes(4).toString('hex')}:`;
const client = createClient({ url: redisUrl() });
const subject = [
  { kind: 'user_id' as const, value: '4242' },
  { kind: 'email' as const, value: 'Anna.Schmidt@example.org' },
];
const config = {
  keys: [
    { pattern: `${prefix}chat:{subject}:*`, kind: 'user_id' as const, categories: ['user.content.private'] },
    { pattern: `${prefix}session:{subject}`, kind: 'email' as const, categories: ['user.session'] },
  ],
  hashFields: [
    { key: `${prefix}profiles`, field: '{subject}', kind: 'user_id' as const, categories: ['user.profile.name'] },
    { key: `${prefix}prefs:{subject}`, field: 'theme*', kind: 'user_id' as const, categories: ['user.preferences'] },
  ],
};
let connector: RedisConnector;

async function keysUnderPrefix(): Promise<string[]> {
  const found: string[] = [];
  for await (const keys of client.scanIterator({ MATCH: `${escapeGlob(prefix)}*`, COUNT: 1000 })) found.push(...keys);
  return found.sort();
}

beforeAll(async () => {
  await client.connect();
  const m = client.multi();
  for (let i = 0; i < 30; i++) m.set(`${prefix}chat:4242:msg:${i}`, `text ${i}`);
  // Neighbours whose keys start like the subject's, or carry glob characters.
  for (let i = 0; i < 5; i++) m.set(`${prefix}chat:42420:msg:${i}`, 'other');
  m.set(`${prefix}chat:424:msg:1`, 'other');
  m.set(`${prefix}chat:4*:msg:1`, 'a key with a star in it');
  m.set(`${prefix}session:anna.schmidt@example.org`, 'token');
  m.set(`${prefix}session:anna.schmidt@example.org.evil`, 'other');
  m.hSet(`${prefix}profiles`, { '4242': 'Anna', '42420': 'Bob', '4243': 'Carl' });
  m.hSet(`${prefix}prefs:4242`, { theme: 'dark', themeAccent: 'red', language: 'de' });
  m.hSet(`${prefix}prefs:4243`, { theme: 'light' });
  await m.exec();
  connector = new RedisConnector(redisUrl(), config);
});

afterAll(async () => {
  await connector?.close();
  const keys = await keysUnderPrefix();
  if (keys.length) await client.unlink(keys);
  await client.quit();
});

describe('RedisConnector', () => {
  it('tests the connection, and says why one fails', async () => {
    expect(await connector.test()).toMatchObject({ ok: true });
    const bad = new RedisConnector('redis://127.0.0.1:1', config);
    expect(await bad.test()).toEqual({ ok: false, reason: 'connection refused' });
    await bad.close();
  });

  it('discovers key shapes without showing identifiers', async () => {
    const discovery = await connector.discover();
    expect(discovery.notes.join('\n')).not.toContain('anna.schmidt');
  });

  it('counts per pattern and hash field, exactly, in a dry run', async () => {
    const counts = [];
    for (const t of await connector.targets()) counts.push([t.key, await connector.count(t, subject)]);
    expect(counts).toEqual([
      [`keys:${prefix}chat:{subject}:*`, 30],
      [`keys:${prefix}session:{subject}`, 1],
      [`hash:${prefix}profiles#{subject}`, 1],
      [`hash:${prefix}prefs:{subject}#theme*`, 2],
    ]);
  });

  it('treats glob characters in an identifier literally', async () => {
    const [chat] = await connector.targets();
    expect(await connector.count(chat!, [{ kind: 'user_id', value: '4*' }])).toBe(1);
    expect(await connector.count(chat!, [{ kind: 'user_id', value: '*' }])).toBe(0);
  });

  it('erases the subject, leaves every neighbour, verifies zero, and is idempotent', async () => {
    const before = await keysUnderPrefix();
    const erased = [];
    for (const t of await connector.targets()) erased.push(await connector.erase(t, subject, {}));
    expect(erased).toEqual([30, 1, 1, 2]);
    for (const t of await connector.targets()) {
      expect(await connector.verify(t, subject)).toBe(0);
      expect(await connector.erase(t, subject, {})).toBe(0);
    }
    const after = await keysUnderPrefix();
    expect(after).toEqual(before.filter((k) => !k.includes(':chat:4242:') && !k.endsWith(':session:anna.schmidt@example.org')));
    expect(await client.hGetAll(`${prefix}profiles`)).toEqual({ '42420': 'Bob', '4243': 'Carl' });
    expect(await client.hGetAll(`${prefix}prefs:4242`)).toEqual({ language: 'de' });
    expect(await client.hGetAll(`${prefix}prefs:4243`)).toEqual({ theme: 'light' });
    expect(await client.get(`${prefix}chat:4*:msg:1`)).toBe('a key with a star in it');
  });
});
