import { stringify } from 'yaml';
import { InputError } from '../../core/errors';
import { type CheckDirection, type CheckOf } from '../schema';
import { type PiiEntity } from '../scanners/pii';
import { llamaGuardTask, type SafetyEndpoint, safetyCategoryCodes } from '../scanners/safety';
import { type CompiledArtifact, makeArtifact, type PublishedPolicyVersion, yamlHeader } from './artifact';

/**
 * NeMo Guardrails configuration: config.yml (a `llama_guard` model served through an
 * OpenAI-compatible vLLM endpoint, the input/output rail flows, and the rail settings for
 * Presidio sensitive-data detection and YARA injection detection) and prompts.yml with the
 * `llama_guard_check_input` / `llama_guard_check_output` tasks written in Llama Guard 3's
 * prompt format with this version's enabled S-categories. The main model is not part of
 * a guard policy; the gateway deployment adds it.
 */
export interface NemoCompileOptions {
  /** Required when the version has an enabled safety check. */
  safetyEndpoint?: Pick<SafetyEndpoint, 'baseUrl' | 'model'>;
}

const presidioEntities: Partial<Record<PiiEntity, string>> = {
  email: 'EMAIL_ADDRESS',
  phone: 'PHONE_NUMBER',
  iban: 'IBAN_CODE',
  'payment-card': 'CREDIT_CARD',
  'ip-address': 'IP_ADDRESS',
};

const LLAMA3_USER = '<|start_header_id|>user<|end_header_id|>\n\n';
const LLAMA3_ASSISTANT = '<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n';

function llamaGuardPrompt(check: CheckOf<'safety'>, direction: CheckDirection): string {
  const enabled = safetyCategoryCodes.filter((c) => check.params.categories[c]);
  const conversation = direction === 'input' ? 'User: {{ user_input }}' : 'User: {{ user_input }}\n\nAgent: {{ bot_response }}';
  return `${LLAMA3_USER}${llamaGuardTask(direction === 'input' ? 'User' : 'Agent', enabled, conversation)}${LLAMA3_ASSISTANT}`;
}

/** Compiles a published version to NeMo Guardrails' config.yml and prompts.yml. */
export function compileNemo(version: PublishedPolicyVersion, options: NemoCompileOptions = {}): CompiledArtifact {
  const notes: string[] = [];
  const checks = version.definition.checks.filter((c) => c.enabled);
  const flows: Record<CheckDirection, string[]> = { input: [], output: [] };
  const railsConfig: Record<string, unknown> = {};
  const prompts: { task: string; content: string }[] = [];
  const sensitive: Record<string, { entities: string[] }> = {};
  let usesLlamaGuard = false;

  for (const check of checks) {
    const label = `check "${check.id}"`;
    const direction = check.direction;
    switch (check.kind) {
      case 'safety': {
        if (check.action === 'log') {
          notes.push(`${label}: NeMo's Llama Guard rail always refuses unsafe content; a log-only safety check is not emitted.`);
          break;
        }
        if (safetyCategoryCodes.every((c) => !check.params.categories[c])) break;
        const task = direction === 'input' ? 'llama_guard_check_input' : 'llama_guard_check_output';
        if (prompts.some((p) => p.task === task)) {
          notes.push(`${label}: only one safety check per direction can be published to NeMo; this one is skipped.`);
          break;
        }
        usesLlamaGuard = true;
        flows[direction].push(direction === 'input' ? 'llama guard check input' : 'llama guard check output');
        prompts.push({ task, content: llamaGuardPrompt(check, direction) });
        break;
      }
      case 'pii': {
        if (check.action === 'log') break;
        const entities = check.params.entities.flatMap((e) => (presidioEntities[e] ? [presidioEntities[e]!] : []));
        const unknown = check.params.entities.filter((e) => !presidioEntities[e]);
        if (unknown.length > 0) notes.push(`${label}: Presidio has no recognizer for ${unknown.join(', ')}; LLM Guard's Regex covers them.`);
        if (entities.length === 0) break;
        const verb = check.action === 'redact' ? 'mask' : 'detect';
        const flow = `${verb} sensitive data on ${direction}`;
        if (!flows[direction].includes(flow)) flows[direction].push(flow);
        const merged = new Set([...(sensitive[direction]?.entities ?? []), ...entities]);
        sensitive[direction] = { entities: [...merged] };
        break;
      }
      case 'code-injection': {
        if (direction !== 'output' || check.action === 'log') {
          notes.push(`${label}: NeMo's injection detection is an output rail that rejects or omits; not emitted.`);
          break;
        }
        const injections = check.params.languages.map((l) => (l === 'sql' ? 'sqli' : l === 'html' ? 'xss' : 'code'));
        if (check.params.languages.includes('shell')) notes.push(`${label}: NeMo's "code" YARA rules target Python code execution, the nearest match for shell commands.`);
        railsConfig.injection_detection = { injections: [...new Set(injections)], action: check.action === 'block' ? 'reject' : 'omit' };
        if (!flows.output.includes('injection detection')) flows.output.push('injection detection');
        break;
      }
      default:
        notes.push(`${label}: ${check.kind} is published to LLM Guard, not to NeMo Guardrails.`);
    }
  }

  if (Object.keys(sensitive).length > 0) railsConfig.sensitive_data_detection = sensitive;

  const models: Record<string, unknown>[] = [];
  if (usesLlamaGuard) {
    if (!options.safetyEndpoint) {
      throw new InputError('Configure the Llama Guard endpoint before publishing a policy with safety checks.', {
        safetyEndpoint: ['No Llama Guard endpoint is configured.'],
      });
    }
    models.push({
      type: 'llama_guard',
      engine: 'vllm_openai',
      parameters: { openai_api_base: options.safetyEndpoint.baseUrl, model_name: options.safetyEndpoint.model },
    });
  }

  const config = {
    models,
    rails: {
      ...(Object.keys(railsConfig).length > 0 ? { config: railsConfig } : {}),
      input: { flows: flows.input },
      output: { flows: flows.output },
    },
  };
  const files = {
    'config.yml': yamlHeader('nemo-guardrails', version) + stringify(config, { lineWidth: 0 }),
    'prompts.yml': yamlHeader('nemo-guardrails', version) + stringify({ prompts }, { lineWidth: 0 }),
  };
  return makeArtifact('nemo-guardrails', version, files, notes);
}
