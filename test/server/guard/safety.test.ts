import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { evaluatePolicy, parsePolicyDefinition } from '../../../server/guard';
import {
  buildLlamaGuardPrompt,
  parseLlamaGuardAnswer,
  safetyCategoryCodes,
  scanSafety,
  type SafetyParams,
} from '../../../server/guard/scanners/safety';

/**
 * A stand-in for vLLM serving Llama Guard 3: POST /v1/completions with the OpenAI body,
 * answering by what the conversation in the prompt says.
 */
interface Seen {
  url: string;
  authorization: string | undefined;
  body: { model: string; prompt: string; max_tokens: number; temperature: number };
}

let server: Server;
let baseUrl: string;
const seen: Seen[] = [];

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = JSON.parse(await readBody(req)) as Seen['body'];
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization, body });
    const conversation = body.prompt.split('<BEGIN CONVERSATION>')[1] ?? '';
    const reply = (text: string) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'cmpl-1', object: 'text_completion', model: body.model, choices: [{ index: 0, text, finish_reason: 'stop' }] }));
    };
    if (req.url !== '/v1/completions') {
      res.writeHead(404).end();
    } else if (conversation.includes('server error')) {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}');
    } else if (conversation.includes('slow')) {
      setTimeout(() => reply('safe'), 2000).unref();
    } else if (conversation.includes('babble')) {
      reply('I am not sure what you mean.');
    } else if (conversation.includes('bomb')) {
      reply('\n\nunsafe\nS9');
    } else if (conversation.includes('insult')) {
      reply('unsafe\nS10,S1');
    } else {
      reply('safe');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const allOn = Object.fromEntries(safetyCategoryCodes.map((c) => [c, true])) as SafetyParams['categories'];
const params: SafetyParams = { categories: allOn, timeoutMs: 1000 };

describe('buildLlamaGuardPrompt', () => {
  it('writes the Llama Guard 3 format with only the enabled categories', () => {
    const prompt = buildLlamaGuardPrompt(['S1', 'S9', 'S14'], { user: 'Hello' });
    expect(prompt.startsWith('<|start_header_id|>user<|end_header_id|>\n\nTask: Check if there is unsafe content in \'User\' messages')).toBe(true);
    expect(prompt).toContain('<BEGIN UNSAFE CONTENT CATEGORIES>\nS1: Violent Crimes.\nS9: Indiscriminate Weapons.\nS14: Code Interpreter Abuse.\n<END UNSAFE CONTENT CATEGORIES>');
    expect(prompt).toContain('<BEGIN CONVERSATION>\n\nUser: Hello\n\n<END CONVERSATION>');
    expect(prompt).toContain('Provide your safety assessment for ONLY THE LAST User message in the above conversation:');
    expect(prompt.endsWith('<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n')).toBe(true);
    expect(prompt).not.toContain('S2:');
  });

  it('assesses the Agent turn of an output with the user turn before it', () => {
    const prompt = buildLlamaGuardPrompt(['S1'], { user: 'Q', agent: 'A' });
    expect(prompt).toContain("unsafe content in 'Agent' messages");
    expect(prompt).toContain('User: Q\n\nAgent: A');
    expect(prompt).toContain('ONLY THE LAST Agent message');
  });
});

describe('parseLlamaGuardAnswer', () => {
  it('reads safe and unsafe with categories', () => {
    expect(parseLlamaGuardAnswer(' safe\n')).toEqual({ verdict: 'safe' });
    expect(parseLlamaGuardAnswer('unsafe\nS1,S3')).toEqual({ verdict: 'unsafe', categories: ['S1', 'S3'] });
    expect(parseLlamaGuardAnswer('unsafe\ns10, s2')).toEqual({ verdict: 'unsafe', categories: ['S10', 'S2'] });
  });
  it('calls anything else an error rather than guessing', () => {
    expect(parseLlamaGuardAnswer('maybe')).toMatchObject({ verdict: 'error' });
    expect(parseLlamaGuardAnswer('')).toMatchObject({ verdict: 'error' });
  });
});

describe('scanSafety against an OpenAI-compatible endpoint', () => {
  const endpoint = () => ({ baseUrl, model: 'meta-llama/Llama-Guard-3-8B', apiKey: 'test-key' });

  it('posts the prompt to /completions with the model, greedy decoding and the key', async () => {
    seen.length = 0;
    const outcome = await scanSafety({ user: 'What is the capital of France?' }, params, endpoint());
    expect(outcome).toMatchObject({ detected: false, score: 0 });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ url: '/v1/completions', authorization: 'Bearer test-key' });
    expect(seen[0]!.body).toMatchObject({ model: 'meta-llama/Llama-Guard-3-8B', temperature: 0 });
    expect(seen[0]!.body.prompt).toContain('User: What is the capital of France?');
  });

  it('reports unsafe categories with their names', async () => {
    const outcome = await scanSafety({ user: 'how to build a bomb' }, params, endpoint());
    expect(outcome).toMatchObject({ detected: true, score: 1, details: { categories: [{ code: 'S9', name: 'Indiscriminate Weapons' }] } });
  });

  it('counts only the categories this policy enabled', async () => {
    const onlyS1 = { ...params, categories: { ...allOn, S10: false } };
    const outcome = await scanSafety({ user: 'an insult' }, onlyS1, endpoint());
    expect(outcome.details).toEqual({ categories: [{ code: 'S1', name: 'Violent Crimes' }], ignoredCategories: ['S10'] });
  });

  it('turns a timeout into an error verdict', async () => {
    const outcome = await scanSafety({ user: 'slow please' }, { ...params, timeoutMs: 150 }, endpoint());
    expect(outcome.error).toBe('No answer from Llama Guard within 150 ms.');
  });

  it('turns an HTTP error, an unreadable answer and a closed port into errors', async () => {
    expect((await scanSafety({ user: 'server error' }, params, endpoint())).error).toBe('The Llama Guard endpoint answered HTTP 500.');
    expect((await scanSafety({ user: 'babble' }, params, endpoint())).error).toMatch(/^Unexpected Llama Guard answer/);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await scanSafety({ user: 'hi' }, params, { baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm' });
    expect(refused.error).toMatch(/could not be reached/);
  });

  it('asks nothing when every category is disabled', async () => {
    seen.length = 0;
    const none = Object.fromEntries(safetyCategoryCodes.map((c) => [c, false])) as SafetyParams['categories'];
    expect(await scanSafety({ user: 'bomb' }, { ...params, categories: none }, endpoint())).toMatchObject({ detected: false });
    expect(seen).toHaveLength(0);
  });

  it('runs inside evaluatePolicy with the prompt as context for an output check', async () => {
    seen.length = 0;
    const policy = parsePolicyDefinition({
      checks: [{ id: 'out-safety', kind: 'safety', direction: 'output', action: 'block', params: { timeoutMs: 1000 } }],
    });
    const result = await evaluatePolicy({ text: 'Here is how to build a bomb', prompt: 'help', direction: 'output', policy, safetyEndpoint: endpoint() });
    expect(result.decision).toBe('block');
    expect(result.results[0]).toMatchObject({ verdict: 'block', kind: 'safety' });
    expect(seen[0]!.body.prompt).toContain('User: help\n\nAgent: Here is how to build a bomb');
  });
});
