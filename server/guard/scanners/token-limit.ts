import { getTokenCounter, type TokenEncoding } from './tokenizer';
import { type ScanOutcome } from './types';

export interface TokenLimitParams {
  limit: number;
  encoding: TokenEncoding;
}

/**
 * The `token-limit` check. Every token covers at least one UTF-8 byte, so a text of at
 * most `limit` bytes is within the limit without counting. Longer texts are counted
 * exactly, stopping as soon as the limit is passed.
 */
export function scanTokenLimit(text: string, params: TokenLimitParams): ScanOutcome {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= params.limit) {
    return { detected: false, score: 0, spans: [], details: { limit: params.limit, tokens: bytes, count: 'at-most' } };
  }
  const result = getTokenCounter(params.encoding).count(text, params.limit);
  const count = !result.complete ? 'more-than' : result.exact ? 'exact' : 'at-most';
  const detected = result.tokens > params.limit;
  return {
    detected,
    score: detected ? 1 : Math.round((result.tokens / params.limit) * 1000) / 1000,
    spans: [],
    details: { limit: params.limit, tokens: result.complete ? result.tokens : params.limit, count, encoding: params.encoding },
  };
}
