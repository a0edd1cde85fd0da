import path from 'node:path';
import { z } from 'zod';
import { singleton } from '../core/singleton';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** An integer in a range, with a message that says so (zod's default speaks of NaN). */
const int = (min: number, max: number) =>
  z.coerce
    .number({ error: `a whole number from ${min} to ${max}` })
    .int({ error: `a whole number from ${min} to ${max}` })
    .min(min, { error: `a whole number from ${min} to ${max}` })
    .max(max, { error: `a whole number from ${min} to ${max}` });

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

/**
 * A positive decimal such as 0.50 or 12 (no sign, no exponent, not zero). The Helm chart's
 * values.schema.json uses the same pattern (RE2: no look-ahead), so both refuse the same values.
 */
export const positiveDecimalPattern = /^([0-9]*[1-9][0-9]*(\.[0-9]+)?|[0-9]+\.[0-9]*[1-9][0-9]*)$/;

const byteSize = z
  .string()
  .regex(/^\d+(kb|mb)?$/i, 'a size such as 1mb, 512kb or 1048576')
  .transform((v) => {
    const m = /^(\d+)(kb|mb)?$/i.exec(v)!;
    const unit = (m[2] ?? '').toLowerCase();
    return Number(m[1]) * (unit === 'mb' ? 1024 * 1024 : unit === 'kb' ? 1024 : 1);
  });

/**
 * Every environment variable Leitstand reads, with its default. The README's
 * configuration table and the Helm chart's values are checked against this list.
 */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: optionalString.pipe(
    z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL').optional(),
  ),
  DATABASE_POOL_SIZE: int(1, 200).default(10),
  LEITSTAND_DATA_DIR: z.string().min(1).default('./data'),
  LEITSTAND_ADMIN_PASSWORD: optionalString.pipe(
    z.string().min(12, 'at least 12 characters').optional(),
  ),
  LEITSTAND_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LEITSTAND_BODY_LIMIT: byteSize.default(1024 * 1024),
  LEITSTAND_TRUST_PROXY: bool.default(false),
  LEITSTAND_SESSION_IDLE_MINUTES: int(1, 24 * 60).default(60),
  LEITSTAND_SESSION_MAX_HOURS: int(1, 24 * 30).default(12),
  LEITSTAND_SHUTDOWN_TIMEOUT_SECONDS: int(1, 600).default(25),
  LEITSTAND_JOB_CONCURRENCY: int(0, 64).default(4),
  LEITSTAND_KUBECONFIG: optionalString,
  KUBECONFIG: optionalString,
  LEITSTAND_SIM_TOPOLOGY: optionalString,
  LEITSTAND_INSTANCE_ID: optionalString,
  LEITSTAND_GATEWAY_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a namespace name (lower-case letters, digits, dashes)')
    .default('llm-gateway'),
  LEITSTAND_MODEL_IMAGE_REGISTRY: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.:]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9._]*[a-z0-9])?)*$/, 'an image registry and path such as registry.internal/llm')
    .default('registry.internal/llm'),
  LEITSTAND_PLATFORM_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a namespace name (lower-case letters, digits, dashes)')
    .default('llm-platform'),
  LEITSTAND_LLAMA_GUARD_URL: optionalString.pipe(
    z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL of an OpenAI-compatible API, e.g. http://llama-guard.models:8000/v1' }).optional(),
  ),
  LEITSTAND_LLAMA_GUARD_MODEL: z.string().min(1).default('meta-llama/Llama-Guard-3-8B'),
  LEITSTAND_LLAMA_GUARD_API_KEY: optionalString,
  LEITSTAND_LITELLM_URL: optionalString.pipe(
    z.url({ protocol: /^https?$/, error: "an http:// or https:// URL of the LiteLLM proxy's admin API, e.g. http://litellm.llm-gateway:4000" }).optional(),
  ),
  LEITSTAND_LITELLM_API_KEY: optionalString,
  LEITSTAND_LITELLM_USD_PER_MILLION_TOKENS: optionalString.pipe(
    z
      .string()
      .regex(positiveDecimalPattern, 'a positive decimal number of US dollars per million tokens, e.g. 0.50 (the price set as input_cost_per_token and output_cost_per_token in LiteLLM, times one million)')
      .transform(Number)
      .optional(),
  ),
  LEITSTAND_SECRET_KEY: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9+/]{43}=$/, '32 random bytes in base64, 44 characters (openssl rand -base64 32)')
      .optional(),
  ),
});

export type RawConfig = z.infer<typeof configSchema>;

export interface Config {
  env: RawConfig['NODE_ENV'];
  port: number;
  host: string;
  database: { url: string | undefined; poolSize: number };
  dataDir: string;
  adminPassword: string | undefined;
  logLevel: RawConfig['LEITSTAND_LOG_LEVEL'];
  bodyLimitBytes: number;
  trustProxy: boolean;
  session: { idleMinutes: number; maxHours: number };
  shutdownTimeoutSeconds: number;
  /** Jobs this replica runs at once; 0 runs none here (a replica that only serves pages). */
  jobConcurrency: number;
  kube: { kubeconfig: string | undefined; simTopology: string | undefined };
  instanceId: string | undefined;
  /** Where the gateway runs: tenant limits are published there as a ConfigMap. */
  gatewayNamespace: string;
  /** Registry (and path) the inference engine images are pulled from, e.g. registry.internal/llm. */
  modelImageRegistry: string;
  /** The shared namespace models are deployed to when not into a tenant's own. */
  platformNamespace: string;
  /** Llama Guard (OpenAI-compatible API) for guard safety checks; url undefined = not configured. */
  llamaGuard: { url: string | undefined; model: string; apiKey: string | undefined };
  /**
   * LiteLLM proxy admin API the tenants' teams are pushed to; url undefined = ConfigMap only.
   * usdPerMillionTokens: the internal chargeback price that turns token budgets into LiteLLM's
   * dollar `max_budget`; undefined = no `max_budget` is sent.
   */
  litellm: { url: string | undefined; apiKey: string | undefined; usdPerMillionTokens: number | undefined };
  /** Base64 of 32 bytes: encrypts store credentials, keys subject hashes, derives the evidence signing key. */
  secretKey: string | undefined;
}

/** Names of the variables whose values are secrets and are never logged or shown. */
export const secretVariables = ['DATABASE_URL', 'LEITSTAND_ADMIN_PASSWORD', 'LEITSTAND_SECRET_KEY', 'LEITSTAND_LLAMA_GUARD_API_KEY', 'LEITSTAND_LITELLM_API_KEY'] as const;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment once; throws ConfigError naming every bad variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '?');
      const value = env[name];
      const shown = (secretVariables as readonly string[]).includes(name) ? '(secret)' : JSON.stringify(value);
      return `  ${name}=${shown}: expected ${issue.message}`;
    });
    throw new ConfigError(`Leitstand cannot start: invalid configuration\n${lines.join('\n')}`);
  }
  const c = result.data;
  return {
    env: c.NODE_ENV,
    port: c.PORT,
    host: c.HOST,
    database: { url: c.DATABASE_URL, poolSize: c.DATABASE_POOL_SIZE },
    dataDir: path.resolve(c.LEITSTAND_DATA_DIR),
    adminPassword: c.LEITSTAND_ADMIN_PASSWORD,
    logLevel: c.LEITSTAND_LOG_LEVEL,
    bodyLimitBytes: c.LEITSTAND_BODY_LIMIT,
    trustProxy: c.LEITSTAND_TRUST_PROXY,
    session: { idleMinutes: c.LEITSTAND_SESSION_IDLE_MINUTES, maxHours: c.LEITSTAND_SESSION_MAX_HOURS },
    shutdownTimeoutSeconds: c.LEITSTAND_SHUTDOWN_TIMEOUT_SECONDS,
    jobConcurrency: c.LEITSTAND_JOB_CONCURRENCY,
    kube: { kubeconfig: c.LEITSTAND_KUBECONFIG ?? c.KUBECONFIG, simTopology: c.LEITSTAND_SIM_TOPOLOGY },
    instanceId: c.LEITSTAND_INSTANCE_ID,
    gatewayNamespace: c.LEITSTAND_GATEWAY_NAMESPACE,
    modelImageRegistry: c.LEITSTAND_MODEL_IMAGE_REGISTRY,
    platformNamespace: c.LEITSTAND_PLATFORM_NAMESPACE,
    llamaGuard: { url: c.LEITSTAND_LLAMA_GUARD_URL, model: c.LEITSTAND_LLAMA_GUARD_MODEL, apiKey: c.LEITSTAND_LLAMA_GUARD_API_KEY },
    litellm: { url: c.LEITSTAND_LITELLM_URL, apiKey: c.LEITSTAND_LITELLM_API_KEY, usdPerMillionTokens: c.LEITSTAND_LITELLM_USD_PER_MILLION_TOKENS },
    secretKey: c.LEITSTAND_SECRET_KEY,
  };
}

/** The process configuration, read from process.env on first use. */
export function getConfig(): Config {
  return singleton('config', () => parseConfig(process.env));
}
