import { z } from 'zod';
import { type ScanOutcome } from './types';

/**
 * Safety categories of Llama Guard 3 (the MLCommons hazard taxonomy), classified by a
 * Llama Guard model behind an OpenAI-compatible completions endpoint (vLLM, TGI, …).
 *
 * The prompt is Llama Guard 3's own format: the task line, the enabled categories between
 * BEGIN/END UNSAFE CONTENT CATEGORIES, the conversation, and the two-line answer
 * instruction, wrapped in Llama 3 chat headers. It goes to `/completions`, not
 * `/chat/completions`, because the chat template of a Llama Guard deployment would wrap it
 * a second time. The server's tokenizer adds <|begin_of_text|>, so the prompt omits it.
 * Disabled categories are left out of the list; the enabled ones keep their S-codes, so
 * the model's answer ("unsafe\nS1,S10") needs no renumbering.
 */
export const safetyCategories = {
  S1: 'Violent Crimes',
  S2: 'Non-Violent Crimes',
  S3: 'Sex Crimes',
  S4: 'Child Exploitation',
  S5: 'Defamation',
  S6: 'Specialized Advice',
  S7: 'Privacy',
  S8: 'Intellectual Property',
  S9: 'Indiscriminate Weapons',
  S10: 'Hate',
  S11: 'Self-Harm',
  S12: 'Sexual Content',
  S13: 'Elections',
  S14: 'Code Interpreter Abuse',
} as const;
export type SafetyCategory = keyof typeof safetyCategories;
export const safetyCategoryCodes = Object.keys(safetyCategories) as SafetyCategory[];

/** Where the Llama Guard model is served. */
export const safetyEndpointSchema = z.object({
  /** OpenAI-compatible base URL, e.g. http://llama-guard.models.svc:8000/v1 */
  baseUrl: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }),
  model: z.string().min(1).default('meta-llama/Llama-Guard-3-8B'),
  apiKey: z.string().min(1).optional(),
});
export type SafetyEndpoint = z.infer<typeof safetyEndpointSchema>;

export interface SafetyParams {
  categories: Record<SafetyCategory, boolean>;
  timeoutMs: number;
}

export interface SafetyConversation {
  /** The user's message; for an output check, the prompt that led to the answer (if known). */
  user?: string;
  /** The model's answer; present for output checks. */
  agent?: string;
}

const LLAMA3_USER = '<|start_header_id|>user<|end_header_id|>\n\n';
const LLAMA3_ASSISTANT = '<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n';

/** Categories in the Llama Guard 3 prompt format, enabled ones only. */
export function llamaGuardCategoryBlock(enabled: readonly SafetyCategory[]): string {
  return enabled.map((code) => `${code}: ${safetyCategories[code]}.`).join('\n');
}

/** The Llama Guard 3 task text (without chat headers) for a role and conversation. */
export function llamaGuardTask(role: 'User' | 'Agent', enabled: readonly SafetyCategory[], conversation: string): string {
  return [
    `Task: Check if there is unsafe content in '${role}' messages in conversations according our safety policy with the below categories.`,
    '',
    '<BEGIN UNSAFE CONTENT CATEGORIES>',
    llamaGuardCategoryBlock(enabled),
    '<END UNSAFE CONTENT CATEGORIES>',
    '',
    '<BEGIN CONVERSATION>',
    '',
    conversation,
    '',
    '<END CONVERSATION>',
    '',
    `Provide your safety assessment for ONLY THE LAST ${role} message in the above conversation:`,
    " - First line must read 'safe' or 'unsafe'.",
    ' - If unsafe, a second line must include a comma-separated list of violated categories.',
  ].join('\n');
}

/** The full completion prompt sent to the model. */
export function buildLlamaGuardPrompt(enabled: readonly SafetyCategory[], conversation: SafetyConversation): string {
  const turns: string[] = [];
  if (conversation.user !== undefined) turns.push(`User: ${conversation.user}`);
  if (conversation.agent !== undefined) turns.push(`Agent: ${conversation.agent}`);
  const role = conversation.agent !== undefined ? 'Agent' : 'User';
  return `${LLAMA3_USER}${llamaGuardTask(role, enabled, turns.join('\n\n'))}${LLAMA3_ASSISTANT}`;
}

export type LlamaGuardAnswer =
  | { verdict: 'safe' }
  | { verdict: 'unsafe'; categories: string[] }
  | { verdict: 'error'; reason: string };

/** Parses "safe" or "unsafe\nS1,S3"; anything else is an error, never a guess. */
export function parseLlamaGuardAnswer(text: string): LlamaGuardAnswer {
  const lines = text
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const first = lines[0]?.toLowerCase();
  if (first === 'safe') return { verdict: 'safe' };
  if (first === 'unsafe') {
    const categories = (lines[1] ?? '')
      .split(/[,\s]+/)
      .map((c) => c.trim().toUpperCase())
      .filter((c) => /^S\d{1,2}$/.test(c));
    return { verdict: 'unsafe', categories };
  }
  return { verdict: 'error', reason: 'the model answered neither "safe" nor "unsafe"' };
}

/** The `safety` check: asks the Llama Guard endpoint; timeouts and failures give an error outcome. */
export async function scanSafety(
  conversation: SafetyConversation,
  params: SafetyParams,
  endpoint: SafetyEndpoint | undefined,
  signal?: AbortSignal,
): Promise<ScanOutcome & { error?: string }> {
  const enabled = safetyCategoryCodes.filter((code) => params.categories[code]);
  if (enabled.length === 0) return { detected: false, score: 0, spans: [], details: { categories: [] } };
  if (!endpoint) {
    return { detected: false, score: 0, spans: [], error: 'No Llama Guard endpoint is configured.' };
  }
  const timeout = AbortSignal.timeout(params.timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let answer: LlamaGuardAnswer;
  try {
    const response = await fetch(`${endpoint.baseUrl.replace(/\/+$/, '')}/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {}),
      },
      body: JSON.stringify({
        model: endpoint.model,
        prompt: buildLlamaGuardPrompt(enabled, conversation),
        max_tokens: 24,
        temperature: 0,
      }),
      signal: combined,
    });
    if (!response.ok) {
      await response.body?.cancel();
      return { detected: false, score: 0, spans: [], error: `The Llama Guard endpoint answered HTTP ${response.status}.` };
    }
    const body = (await response.json()) as { choices?: { text?: unknown }[] };
    const text = body.choices?.[0]?.text;
    if (typeof text !== 'string') {
      return { detected: false, score: 0, spans: [], error: 'The Llama Guard endpoint returned no completion text.' };
    }
    answer = parseLlamaGuardAnswer(text);
  } catch (error) {
    const reason =
      timeout.aborted ? `No answer from Llama Guard within ${params.timeoutMs} ms.`
      : signal?.aborted ? 'The check was cancelled.'
      : `The Llama Guard endpoint could not be reached (${(error as Error).name}).`;
    return { detected: false, score: 0, spans: [], error: reason };
  }
  if (answer.verdict === 'error') return { detected: false, score: 0, spans: [], error: `Unexpected Llama Guard answer: ${answer.reason}.` };
  if (answer.verdict === 'safe') return { detected: false, score: 0, spans: [], details: { categories: [] } };
  // Only categories this policy enabled count; the model was not asked about the others.
  const violated = answer.categories.filter((c): c is SafetyCategory => enabled.includes(c as SafetyCategory));
  const ignored = answer.categories.filter((c) => !violated.includes(c as SafetyCategory));
  const detected = violated.length > 0 || answer.categories.length === 0;
  return {
    detected,
    score: detected ? 1 : 0,
    spans: [],
    details: {
      categories: violated.map((code) => ({ code, name: safetyCategories[code] })),
      ...(ignored.length > 0 ? { ignoredCategories: ignored } : {}),
    },
  };
}
