import type { InferenceEngine, Quantization } from '../../db/schema/models';
import { modelMessages as m, msg } from './messages';

/**
 * Bytes per parameter of the stored weights. GGUF k-quants and the 4-bit GPU formats carry
 * block scales, so they cost a little more than their nominal bits (llama.cpp reports
 * bits per weight: Q4_0 4.5, Q4_K_M ~4.85, Q5_K_M ~5.7, Q6_K ~6.56, Q8_0 8.5; AWQ/GPTQ with
 * group size 128 ~4.25).
 */
export const bytesPerParameter: Record<Quantization, number> = {
  fp32: 4,
  bf16: 2,
  fp16: 2,
  fp8: 1,
  int8: 1,
  q8_0: 8.5 / 8,
  q6_k: 6.56 / 8,
  q5_k_m: 5.7 / 8,
  q4_k_m: 4.85 / 8,
  q4_0: 4.5 / 8,
  awq: 4.25 / 8,
  gptq: 4.25 / 8,
  int4: 4.25 / 8,
};

const GIB = 1024 ** 3;
/** Sequences at full context the KV cache must hold at once (vLLM needs at least one; a few keep batching useful). */
export const KV_SEQUENCES = 4;
/** CUDA context, allocator and activation workspace: a fixed part plus a share of the weights. */
const OVERHEAD_FIXED_GIB = 1;
const OVERHEAD_SHARE = 0.1;

export interface MemoryEstimateInput {
  parameterCount: number;
  quantization: Quantization;
  /** Tokens per sequence the engine is configured for (max-model-len, else the model's context length). */
  contextLength: number;
  engine: InferenceEngine;
  gpus: number;
  /** vLLM reserves this fraction of each GPU (default 0.9) and fits everything into it. */
  gpuMemoryUtilization?: number;
}

export interface MemoryEstimate {
  weightsGiB: number;
  /** KV cache for KV_SEQUENCES sequences at full context. */
  kvCacheGiB: number;
  kvBytesPerToken: number;
  overheadGiB: number;
  /** weights + KV cache + overhead. */
  totalGiB: number;
  /** GPU memory to have per replica: total, divided by the engine's memory fraction (vLLM). */
  requiredGiB: number;
  perGpuGiB: number | null;
  /** The estimate's parts; `explanation` is a message key with variables ("70 B parameters × 2 bytes (bf16)"). */
  parts: Array<{ part: 'weights' | 'kvCache' | 'overhead' | 'fraction'; gib: number; explanation: string }>;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * KV-cache bytes per token at fp16, from the parameter count alone. Modern models use
 * grouped-query attention: Llama 3 8B needs 128 KiB per token (32 layers × 8 KV heads ×
 * 128 dims × 2 (K,V) × 2 bytes), 70B 320 KiB, 1B 32 KiB; 128 KiB × √(params / 8 B) follows
 * them within ~20 %. Without layers and heads this is an approximation, and says so.
 */
export function kvBytesPerToken(parameterCount: number): number {
  return Math.round(128 * 1024 * Math.sqrt(parameterCount / 8e9));
}

/** The parameter count in billions or millions, as variables of the weights explanation. */
function paramVars(n: number): { params: number; scale: string } {
  if (n >= 1e9) return { params: round1(n / 1e9), scale: m.scaleBillion };
  if (n >= 1e6) return { params: round1(n / 1e6), scale: m.scaleMillion };
  return { params: n, scale: m.scaleOne };
}

/** GPU memory one replica needs: weights by quantisation, KV-cache headroom for the context, overhead. */
export function estimateGpuMemory(input: MemoryEstimateInput): MemoryEstimate {
  const bpp = bytesPerParameter[input.quantization];
  const weights = (input.parameterCount * bpp) / GIB;
  const perToken = kvBytesPerToken(input.parameterCount);
  const kv = (perToken * input.contextLength * KV_SEQUENCES) / GIB;
  const overhead = OVERHEAD_FIXED_GIB + weights * OVERHEAD_SHARE;
  const total = weights + kv + overhead;
  const fraction = input.engine === 'vllm' ? (input.gpuMemoryUtilization ?? 0.9) : input.engine === 'tgi' ? (input.gpuMemoryUtilization ?? 1) : 1;
  const required = total / fraction;
  const parts: MemoryEstimate['parts'] = [
    {
      part: 'weights',
      gib: round1(weights),
      explanation: msg(m.estimateWeights, { ...paramVars(input.parameterCount), bytes: round1(bpp * 100) / 100, quantization: input.quantization }),
    },
    {
      part: 'kvCache',
      gib: round1(kv),
      explanation: msg(m.estimateKvCache, { sequences: KV_SEQUENCES, tokens: input.contextLength, kib: Math.round(perToken / 1024) }),
    },
    { part: 'overhead', gib: round1(overhead), explanation: msg(m.estimateOverhead, { fixed: OVERHEAD_FIXED_GIB, share: OVERHEAD_SHARE * 100 }) },
  ];
  if (fraction < 1) {
    parts.push({
      part: 'fraction',
      gib: round1(required - total),
      explanation: msg(m.estimateFraction, { percent: Math.round(fraction * 100), flag: input.engine === 'vllm' ? '--gpu-memory-utilization' : '--cuda-memory-fraction' }),
    });
  }
  return {
    weightsGiB: round1(weights),
    kvCacheGiB: round1(kv),
    kvBytesPerToken: perToken,
    overheadGiB: round1(overhead),
    totalGiB: round1(total),
    requiredGiB: round1(required),
    perGpuGiB: input.gpus > 0 ? round1(required / input.gpus) : null,
    parts,
  };
}
