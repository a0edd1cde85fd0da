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
  /** cl100k_base's split pattern, hand-written (see `cl100kPieceEnd`); null for other encodings. */
  private readonly fastPieceEnd: ((text: string, i: number) => number) | null;
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
    this.fastPieceEnd = file.pat_str === CL100K_PATTERN ? cl100kPieceEnd : null;
    if (this.fastPieceEnd) classes(); // ~20 ms, with the rank tables rather than in the first request
  }

  /** Counts tokens; with `stopAbove`, stops as soon as the count provably exceeds it. */
  count(text: string, stopAbove = Number.POSITIVE_INFINITY): TokenCount {
    // The pre-token pattern covers every character, so pieces are contiguous: a sticky
    // test() walks them without allocating a match array per piece.
    const pattern = new RegExp(this.pattern.source, 'uy');
    const search = new RegExp(this.pattern.source, 'gu');
    let tokens = 0;
    let exact = true;
    const fast = this.fastPieceEnd;
    for (let from = 0, end = 0; from < text.length; from = end) {
      end = fast === null ? -1 : fast(text, from);
      if (end < 0) {
        pattern.lastIndex = from;
        end = pattern.test(text) ? pattern.lastIndex : from;
      }
      if (end === from) {
        // Characters no alternative matches produce no tokens (as in js-tiktoken): skip on.
        search.lastIndex = from + 1;
        const next = search.exec(text);
        if (!next) break;
        end = next.index;
        continue;
      }
      const piece = text.slice(from, end);
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

/** js-tiktoken's split pattern for cl100k_base; the hand-written walk below is used only while it is this. */
export const CL100K_PATTERN =
  "('s|'S|'t|'T|'re|'rE|'Re|'RE|'ve|'vE|'Ve|'VE|'m|'M|'ll|'lL|'Ll|'LL|'d|'D)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const LETTER = 1;
const NUMBER = 2;
const SPACE = 4;
const SURROGATE = 8;
/**
 * Class of every UTF-16 code unit, read off V8's own \p{L}, \p{N} and \s (so the walk
 * below agrees with the pattern for every Unicode version V8 ships). Surrogates are
 * marked: a pair may be a letter or digit, so the walk hands those positions to the regex.
 */
let unitClasses: Uint8Array | null = null;
function classes(): Uint8Array {
  if (unitClasses) return unitClasses;
  const table = new Uint8Array(0x10000);
  const units: string[] = [];
  for (let c = 0; c < 0x10000; c++) units.push(c >= 0xd800 && c <= 0xdfff ? '\0' : String.fromCharCode(c));
  const all = units.join('');
  for (const [flag, pattern] of [
    [LETTER, /\p{L}+/gu],
    [NUMBER, /\p{N}+/gu],
    [SPACE, /\s+/gu],
  ] as const) {
    for (const m of all.matchAll(pattern)) table.fill(flag, m.index, m.index + m[0].length);
  }
  table.fill(SURROGATE, 0xd800, 0xe000);
  unitClasses = table;
  return table;
}

/**
 * Where the cl100k_base pre-token starting at `i` ends: the same piece a sticky match of
 * CL100K_PATTERN at `i` gives (alternatives in its order, with its backtracking), or -1
 * where a surrogate decides it (the regex reads code points; the caller asks the regex).
 * On two-byte strings V8 runs the pattern ~3× slower than on Latin-1 ones; this walk is
 * the same speed on both. The tokenizer test compares it with the pattern.
 */
export function cl100kPieceEnd(text: string, i: number): number {
  const table = unitClasses ?? classes();
  const n = text.length;
  const c = text.charCodeAt(i);
  const k = table[c]!;
  if (k === SURROGATE) return -1;
  // 's 't 're 've 'm 'll 'd (either case)
  if (c === 39 && i + 1 < n) {
    const c1 = text.charCodeAt(i + 1) | 32;
    if (c1 === 115 || c1 === 116 || c1 === 109 || c1 === 100) return i + 2; // s t m d
    if (i + 2 < n) {
      const c2 = text.charCodeAt(i + 2) | 32;
      if ((c1 === 114 && c2 === 101) || (c1 === 118 && c2 === 101) || (c1 === 108 && c2 === 108)) return i + 3; // re ve ll
    }
  }
  // [^\r\n\p{L}\p{N}]?\p{L}+
  let start = -1;
  if (k === LETTER) start = i;
  else if (k !== NUMBER && c !== 10 && c !== 13 && i + 1 < n) {
    const k1 = table[text.charCodeAt(i + 1)]!;
    if (k1 === SURROGATE) return -1;
    if (k1 === LETTER) start = i + 1;
  }
  if (start >= 0) {
    let j = start + 1;
    for (; j < n; j++) {
      const kj = table[text.charCodeAt(j)]!;
      if (kj === SURROGATE) return -1;
      if (kj !== LETTER) break;
    }
    return j;
  }
  // \p{N}{1,3}
  if (k === NUMBER) {
    let j = i + 1;
    for (; j < n && j < i + 3; j++) {
      const kj = table[text.charCodeAt(j)]!;
      if (kj === SURROGATE) return -1;
      if (kj !== NUMBER) break;
    }
    return j;
  }
  //  ?[^\s\p{L}\p{N}]+[\r\n]*
  let other = -1;
  if (k === 0) other = i;
  else if (c === 32 && i + 1 < n) {
    const k1 = table[text.charCodeAt(i + 1)]!;
    if (k1 === SURROGATE) return -1;
    if (k1 === 0) other = i + 1;
  }
  if (other >= 0) {
    let j = other + 1;
    for (; j < n; j++) {
      const kj = table[text.charCodeAt(j)]!;
      if (kj === SURROGATE) return -1;
      if (kj !== 0) break;
    }
    while (j < n && (text.charCodeAt(j) === 10 || text.charCodeAt(j) === 13)) j++;
    return j;
  }
  // k is SPACE here. A run of white space [i, j) (a surrogate is not white space, as a code point either).
  let j = i + 1;
  let lastNewline = c === 10 || c === 13 ? i : -1;
  for (; j < n; j++) {
    const cj = text.charCodeAt(j);
    if (table[cj] !== SPACE) break;
    if (cj === 10 || cj === 13) lastNewline = j;
  }
  // \s*[\r\n]+ : up to the run's last line break (the greedy \s* backs off to it)
  if (lastNewline >= 0) return lastNewline + 1;
  // \s+(?!\S) : the whole run at the end of the text, else all but its last character
  if (j === n) return j;
  if (j - 1 > i) return j - 1;
  // \s+
  return j;
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
