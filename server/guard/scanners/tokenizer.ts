import { createRequire } from 'node:module';

/**
 * Exact BPE token counting over js-tiktoken's rank tables, built for throughput.
 *
 * js-tiktoken's `encode` needs ~8 ms for a 16 KB prompt and merges each pre-token with an
 * O(n²) loop that joins byte arrays into strings, so one 100 KB run of letters takes
 * minutes. Here each pre-token's count is cached, and a miss is merged with a heap
 * (O(n log n)); the merge order is the same (lowest rank first, leftmost on ties), so
 * counts equal js-tiktoken's — the tests compare them on the evaluation set.
 */
export const tokenEncodings = ['cl100k_base', 'o200k_base'] as const;
export type TokenEncoding = (typeof tokenEncodings)[number];

interface RankFile {
  pat_str: string;
  bpe_ranks: string;
}

// The rank tables are 1–2 MB of source each (~14 MB of memory once loaded): read on the
// first count with that encoding, not when the server starts.
const rankModules: Record<TokenEncoding, string> = {
  cl100k_base: 'js-tiktoken/ranks/cl100k_base',
  o200k_base: 'js-tiktoken/ranks/o200k_base',
};

function loadRankFile(encoding: TokenEncoding): RankFile {
  const loaded = createRequire(import.meta.url)(rankModules[encoding]) as RankFile | { default: RankFile };
  return 'bpe_ranks' in loaded ? loaded : loaded.default;
}

/** A cap on cached pre-tokens: an attacker can thrash the cache, which only costs speed. */
const CACHE_LIMIT = 200_000;

export interface TokenCount {
  tokens: number;
  /** False when counting stopped early because the count passed `stopAbove`. */
  complete: boolean;
  /**
   * False when a pre-token longer than MAX_EXACT_PIECE was counted as its UTF-8 byte
   * length, an upper bound (each token covers at least one byte). Such pieces never occur
   * in language; they are how an attacker would make BPE slow.
   */
  exact: boolean;
}

/** Longest pre-token (UTF-16 units) merged exactly; BPE costs ~0.5 µs per byte here. */
export const MAX_EXACT_PIECE = 4096;

export class TokenCounter {
  readonly encoding: TokenEncoding;
  /** Rank of each single byte (every byte is a token in these encodings). */
  private readonly byteRanks = new Int32Array(256).fill(-1);
  /** Whole pre-tokens that are one token, keyed by their bytes as latin1. */
  private readonly ranks = new Map<string, number>();
  /** Rank of the token that concatenates two tokens. */
  private readonly merges: MergeTable;
  private readonly maxTokenBytes: number;
  private readonly pattern: RegExp;
  private readonly cache = new Map<string, number>();

  constructor(encoding: TokenEncoding) {
    this.encoding = encoding;
    const file = loadRankFile(encoding);
    let maxLen = 1;
    // Same layout js-tiktoken's constructor reads: "<ignored> <first rank> <b64> <b64> …".
    for (const line of file.bpe_ranks.split('\n')) {
      if (line === '') continue;
      const parts = line.split(' ');
      const offset = Number.parseInt(parts[1] ?? '0', 10);
      for (let i = 2; i < parts.length; i++) {
        const key = Buffer.from(parts[i]!, 'base64').toString('latin1');
        if (key.length > maxLen) maxLen = key.length;
        this.ranks.set(key, offset + i - 2);
      }
    }
    this.maxTokenBytes = maxLen;
    this.merges = new MergeTable(this.ranks.size * 3);
    // BPE only ever joins two parts that are themselves tokens, so "is left+right a token"
    // can be answered from the two ranks instead of hashing the joined bytes.
    for (const [key, rank] of this.ranks) {
      if (key.length === 1) {
        this.byteRanks[key.charCodeAt(0)] = rank;
        continue;
      }
      for (let k = 1; k < key.length; k++) {
        const left = this.ranks.get(key.slice(0, k));
        if (left === undefined) continue;
        const right = this.ranks.get(key.slice(k));
        if (right !== undefined) this.merges.set(left, right, rank);
      }
    }
    this.pattern = new RegExp(file.pat_str, 'gu');
  }

  /** Counts tokens; with `stopAbove`, stops as soon as the count provably exceeds it. */
  count(text: string, stopAbove = Number.POSITIVE_INFINITY): TokenCount {
    // The pre-token pattern covers every character, so pieces are contiguous: a sticky
    // test() walks them without allocating a match array per piece.
    const pattern = new RegExp(this.pattern.source, 'uy');
    const search = new RegExp(this.pattern.source, 'gu');
    let tokens = 0;
    let exact = true;
    for (let from = 0; from < text.length; from = pattern.lastIndex) {
      pattern.lastIndex = from;
      if (!pattern.test(text) || pattern.lastIndex === from) {
        // Characters no alternative matches produce no tokens (as in js-tiktoken): skip on.
        search.lastIndex = from + 1;
        const next = search.exec(text);
        if (!next) break;
        pattern.lastIndex = next.index;
        continue;
      }
      const piece = text.slice(from, pattern.lastIndex);
      let n = this.cache.get(piece);
      if (n === undefined) {
        if (piece.length > MAX_EXACT_PIECE) {
          n = Buffer.byteLength(piece, 'utf8');
          exact = false;
        } else {
          n = this.countPiece(piece);
          if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
          this.cache.set(piece, n);
        }
      }
      tokens += n;
      if (tokens > stopAbove) return { tokens, complete: false, exact };
    }
    return { tokens, complete: true, exact };
  }

  /** Forgets cached pre-token counts (benchmarks use it to measure cold counting). */
  clearCache(): void {
    this.cache.clear();
  }

  private countPiece(piece: string): number {
    // eslint-disable-next-line no-control-regex
    const bytes = /^[\x00-\x7f]*$/.test(piece) ? piece : Buffer.from(piece, 'utf8').toString('latin1');
    if (bytes.length <= 1) return bytes.length;
    if (bytes.length <= this.maxTokenBytes && this.ranks.has(bytes)) return 1;
    return bytes.length <= SHORT_PIECE
      ? shortPairCount(bytes, this.byteRanks, this.merges)
      : bytePairCount(bytes, this.byteRanks, this.merges);
  }
}

/**
 * Open-addressing hash table from a pair of token ranks to the rank of their
 * concatenation. A plain Map keyed by `left * 2^18 + right` allocates a heap number per
 * lookup; this keeps the hot loop of long pieces on typed arrays.
 */
class MergeTable {
  private readonly mask: number;
  /** Slots of three int32: left rank (-1 = empty), right rank, merged rank; one cache line per probe. */
  private readonly slots: Int32Array;

  constructor(expected: number) {
    let capacity = 1;
    while (capacity < expected * 2) capacity <<= 1;
    this.mask = capacity - 1;
    this.slots = new Int32Array(capacity * 3).fill(-1);
  }

  private slot(left: number, right: number): number {
    return (Math.imul(left, 0x9e3779b1) ^ Math.imul(right + 0x7f4a7c15, 0x85ebca77)) & this.mask;
  }

  set(left: number, right: number, value: number): void {
    let i = this.slot(left, right);
    for (;;) {
      const at = i * 3;
      const l = this.slots[at]!;
      if (l === -1 || (l === left && this.slots[at + 1] === right)) {
        this.slots[at] = left;
        this.slots[at + 1] = right;
        this.slots[at + 2] = value;
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** The merged rank, or -1 when left+right is not a token. */
  get(left: number, right: number): number {
    const slots = this.slots;
    let i = this.slot(left, right);
    for (;;) {
      const at = i * 3;
      const l = slots[at]!;
      if (l === -1) return -1;
      if (l === left && slots[at + 1] === right) return slots[at + 2]!;
      i = (i + 1) & this.mask;
    }
  }
}

const MEMO_SIZE = 1024;
const SHORT_PIECE = 24;

/**
 * The same merge order for short pieces (most words), as tiktoken does it: repeatedly
 * merge the lowest-ranked adjacent pair, leftmost first. O(n²) on ≤ 24 bytes beats the
 * heap's allocations.
 */
function shortPairCount(bytes: string, byteRanks: Int32Array, merges: MergeTable): number {
  const parts: number[] = [];
  for (let i = 0; i < bytes.length; i++) parts.push(byteRanks[bytes.charCodeAt(i)]!);
  for (;;) {
    let best = -1;
    let bestRank = 0x7fffffff;
    for (let i = 0; i + 1 < parts.length; i++) {
      const merged = merges.get(parts[i]!, parts[i + 1]!);
      if (merged >= 0 && merged < bestRank) {
        bestRank = merged;
        best = i;
      }
    }
    if (best < 0) return parts.length;
    parts.splice(best, 2, bestRank);
  }
}

/**
 * Number of tokens BPE produces for one pre-token, given as a latin1 string (one char per
 * byte). Parts live in a linked list with their token rank; candidate merges sit in a
 * binary heap ordered by (merge rank, start) and are checked for staleness when popped.
 */
function bytePairCount(bytes: string, byteRanks: Int32Array, merges: MergeTable): number {
  const n = bytes.length;
  const rankOf = new Int32Array(n);
  const end = new Int32Array(n);
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    rankOf[i] = byteRanks[bytes.charCodeAt(i)]!;
    end[i] = i + 1;
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }

  // At most n-1 initial pairs plus two per merge (n-1 merges at most).
  const capacity = 3 * n;
  const hRank = new Int32Array(capacity);
  const hStart = new Int32Array(capacity);
  const hEnd = new Int32Array(capacity);
  let size = 0;
  // Long pieces repeat the same few rank pairs; a small direct-mapped memo in front of the
  // 12 MB merge table keeps those lookups in cache.
  const memoLeft = new Int32Array(MEMO_SIZE).fill(-1);
  const memoRight = new Int32Array(MEMO_SIZE);
  const memoValue = new Int32Array(MEMO_SIZE);
  const pushPair = (i: number) => {
    const j = next[i]!;
    if (j < 0) return;
    const left = rankOf[i]!;
    const right = rankOf[j]!;
    const m = (Math.imul(left, 31) + right) & (MEMO_SIZE - 1);
    let merged: number;
    if (memoLeft[m] === left && memoRight[m] === right) {
      merged = memoValue[m]!;
    } else {
      merged = merges.get(left, right);
      memoLeft[m] = left;
      memoRight[m] = right;
      memoValue[m] = merged;
    }
    if (merged < 0) return;
    const e = end[j]!;
    let at = size++;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      const pr = hRank[parent]!;
      if (pr < merged || (pr === merged && hStart[parent]! < i)) break;
      hRank[at] = pr;
      hStart[at] = hStart[parent]!;
      hEnd[at] = hEnd[parent]!;
      at = parent;
    }
    hRank[at] = merged;
    hStart[at] = i;
    hEnd[at] = e;
  };

  for (let i = 0; i < n - 1; i++) pushPair(i);
  let parts = n;
  while (size > 0) {
    const rank = hRank[0]!;
    const i = hStart[0]!;
    const e = hEnd[0]!;
    size--;
    if (size > 0) {
      const lr = hRank[size]!;
      const ls = hStart[size]!;
      const le = hEnd[size]!;
      let at = 0;
      for (;;) {
        const l = 2 * at + 1;
        if (l >= size) break;
        const r = l + 1;
        let c = l;
        if (r < size) {
          const rr = hRank[r]!;
          const lrk = hRank[l]!;
          if (rr < lrk || (rr === lrk && hStart[r]! < hStart[l]!)) c = r;
        }
        const cr = hRank[c]!;
        if (cr > lr || (cr === lr && hStart[c]! > ls)) break;
        hRank[at] = cr;
        hStart[at] = hStart[c]!;
        hEnd[at] = hEnd[c]!;
        at = c;
      }
      hRank[at] = lr;
      hStart[at] = ls;
      hEnd[at] = le;
    }
    const j = next[i]!;
    // Stale entries: i was absorbed by its left neighbour (next[i] is -2), or the part
    // to its right has grown since the entry was pushed (its end moved).
    if (j < 0 || end[j] !== e) continue;
    rankOf[i] = rank;
    end[i] = e;
    const k = next[j]!;
    next[i] = k;
    if (k >= 0) prev[k] = i;
    next[j] = -2;
    parts--;
    if (prev[i]! >= 0) pushPair(prev[i]!);
    pushPair(i);
  }
  return parts;
}

const counters = new Map<TokenEncoding, TokenCounter>();

/** The process-wide counter for an encoding; its rank table (~100–200k entries) loads on first use. */
export function getTokenCounter(encoding: TokenEncoding): TokenCounter {
  let counter = counters.get(encoding);
  if (!counter) {
    counter = new TokenCounter(encoding);
    counters.set(encoding, counter);
  }
  return counter;
}
