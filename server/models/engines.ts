import type { EngineSettings, InferenceEngine, ModelFormat, Quantization } from '../../db/schema/models';
import { modelMessages as m, msg } from './messages';

/** What the engines need to know about the version they serve. */
export interface EngineVersion {
  format: ModelFormat;
  quantization: Quantization;
  contextLength: number;
}

export interface EngineInput {
  engine: InferenceEngine;
  /** The name clients ask for (OpenAI `model`): the registry model's name. */
  servedName: string;
  /** Where the weights are inside the container. */
  modelPath: string;
  version: EngineVersion;
  gpus: number;
  settings: EngineSettings;
  /** Registry (and path) the images come from, e.g. registry.internal/llm. */
  registry: string;
}

export interface EngineContainer {
  image: string;
  command?: string[];
  args: string[];
  env: Record<string, string>;
  port: number;
  /** Readiness: answers 200 only once the model is loaded. */
  readinessPath: string;
  /** Liveness: the server process answers. */
  livenessPath: string;
  /** Prometheus metrics path on the same port, or null when the engine exports none. */
  metricsPath: string | null;
  /** Seconds the engine may take to load the weights before liveness counts. */
  startupSeconds: number;
}

/** Image names under the internal registry, and tags Leitstand was checked against. */
export const engineImages: Record<InferenceEngine, { repository: string; tag: string }> = {
  vllm: { repository: 'vllm-openai', tag: 'v0.10.1' },
  tgi: { repository: 'text-generation-inference', tag: '3.3.4' },
  llamacpp: { repository: 'llama.cpp', tag: 'server-cuda-b6200' },
  ollama: { repository: 'ollama', tag: '0.11.4' },
};

/** The formats each engine loads. */
export const engineFormats: Record<InferenceEngine, readonly ModelFormat[]> = {
  vllm: ['safetensors', 'pytorch'],
  tgi: ['safetensors', 'pytorch'],
  llamacpp: ['gguf'],
  ollama: ['ollama'],
};

/** vLLM --quantization / --dtype for a weight format (null: let vLLM read it from the config). */
function vllmQuantization(q: Quantization): { quantization?: string; dtype?: string } {
  switch (q) {
    case 'awq':
    case 'gptq':
    case 'fp8':
      return { quantization: q };
    case 'bf16':
      return { dtype: 'bfloat16' };
    case 'fp16':
      return { dtype: 'float16' };
    case 'fp32':
      return { dtype: 'float32' };
    case 'int8':
      // Weight-only int8 checkpoints in vLLM come through bitsandbytes.
      return { quantization: 'bitsandbytes' };
    default:
      return {};
  }
}

/** TGI --quantize / --dtype. */
function tgiQuantization(q: Quantization): { quantize?: string; dtype?: string } {
  switch (q) {
    case 'awq':
    case 'gptq':
    case 'fp8':
      return { quantize: q };
    case 'int8':
      // EETQ is TGI's 8-bit weight-only path.
      return { quantize: 'eetq' };
    case 'bf16':
      return { dtype: 'bfloat16' };
    case 'fp16':
      return { dtype: 'float16' };
    default:
      return {};
  }
}

/** A problem with an engine/version combination (a message key), or null when the engine can serve it. */
export function engineProblem(engine: InferenceEngine, version: EngineVersion): string | null {
  if (!engineFormats[engine].includes(version.format)) {
    const [first, ...others] = engineFormats[engine];
    return others.length === 0
      ? msg(m.engineCannotLoad, { engine: engineLabel(engine), format: version.format, loads: first! })
      : msg(m.engineCannotLoadEither, { engine: engineLabel(engine), format: version.format, loads: [first!, ...others.slice(0, -1)].join(', '), last: others.at(-1)! });
  }
  if ((engine === 'vllm' || engine === 'tgi') && /^q\d/.test(version.quantization)) {
    return msg(m.ggufQuantization, { quantization: version.quantization });
  }
  return null;
}

export function engineLabel(engine: InferenceEngine): string {
  return { vllm: 'vLLM', tgi: 'Hugging Face TGI', llamacpp: 'llama.cpp server', ollama: 'Ollama' }[engine];
}

/**
 * The engine's container: image from the internal registry, its real command line, health
 * endpoints and metrics. Flags as documented by each project:
 * vLLM `vllm serve` (OpenAI server, port 8000, GET /health, /metrics);
 * TGI `text-generation-launcher` (GET /health, /metrics);
 * llama.cpp `llama-server` (GET /health 503 while loading, /metrics with --metrics);
 * Ollama `ollama serve` (configured by environment, GET / answers "Ollama is running", no Prometheus endpoint).
 */
export function renderEngine(input: EngineInput): EngineContainer {
  const { engine, settings, version } = input;
  const image = `${input.registry}/${engineImages[engine].repository}:${engineImages[engine].tag}`;
  const maxLen = settings.maxModelLen ?? version.contextLength;
  const tp = settings.tensorParallelSize ?? Math.max(1, input.gpus);
  const extra = settings.extraArgs ?? [];
  switch (engine) {
    case 'vllm': {
      const q = vllmQuantization(version.quantization);
      const args = [
        '--model',
        input.modelPath,
        '--served-model-name',
        input.servedName,
        '--host',
        '0.0.0.0',
        '--port',
        '8000',
        '--tensor-parallel-size',
        String(tp),
        '--max-model-len',
        String(maxLen),
        '--gpu-memory-utilization',
        String(settings.gpuMemoryUtilization ?? 0.9),
        ...(q.quantization ? ['--quantization', q.quantization] : []),
        ...(q.dtype ? ['--dtype', q.dtype] : []),
        ...extra,
      ];
      // The image's entrypoint is the OpenAI-compatible API server; no command needed.
      return { image, args, env: { HF_HUB_OFFLINE: '1' }, port: 8000, readinessPath: '/health', livenessPath: '/health', metricsPath: '/metrics', startupSeconds: 1800 };
    }
    case 'tgi': {
      const q = tgiQuantization(version.quantization);
      const args = [
        '--model-id',
        input.modelPath,
        '--hostname',
        '0.0.0.0',
        '--port',
        '8080',
        '--num-shard',
        String(tp),
        '--max-input-tokens',
        String(Math.max(1, maxLen - 1)),
        '--max-total-tokens',
        String(maxLen),
        ...(settings.gpuMemoryUtilization ? ['--cuda-memory-fraction', String(settings.gpuMemoryUtilization)] : []),
        ...(q.quantize ? ['--quantize', q.quantize] : []),
        ...(q.dtype ? ['--dtype', q.dtype] : []),
        ...extra,
      ];
      return { image, args, env: { HF_HUB_OFFLINE: '1' }, port: 8080, readinessPath: '/health', livenessPath: '/health', metricsPath: '/metrics', startupSeconds: 1800 };
    }
    case 'llamacpp': {
      const args = [
        '--model',
        input.modelPath,
        '--alias',
        input.servedName,
        '--host',
        '0.0.0.0',
        '--port',
        '8080',
        '--ctx-size',
        String(maxLen),
        // Offload every layer when there are GPUs; 0 keeps it on the CPU.
        '--n-gpu-layers',
        input.gpus > 0 ? '999' : '0',
        ...(input.gpus > 1 ? ['--split-mode', 'layer'] : []),
        '--metrics',
        ...extra,
      ];
      return { image, args, env: {}, port: 8080, readinessPath: '/health', livenessPath: '/health', metricsPath: '/metrics', startupSeconds: 900 };
    }
    case 'ollama':
      return {
        image,
        command: ['ollama'],
        args: ['serve', ...extra],
        env: {
          OLLAMA_HOST: '0.0.0.0:11434',
          OLLAMA_MODELS: input.modelPath,
          OLLAMA_CONTEXT_LENGTH: String(maxLen),
          // Keep the model loaded: a platform serves it continuously.
          OLLAMA_KEEP_ALIVE: '-1',
        },
        port: 11434,
        readinessPath: '/api/version',
        livenessPath: '/',
        metricsPath: null,
        startupSeconds: 600,
      };
  }
}
