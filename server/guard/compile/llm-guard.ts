import { stringify } from 'yaml';
import { type Check, type CheckDirection } from '../schema';
import { codePatterns } from '../scanners/code-injection';
import { type PiiEntity } from '../scanners/pii';
import { keyPatterns } from '../scanners/secrets';
import { type CompiledArtifact, makeArtifact, type PublishedPolicyVersion, pythonPattern, yamlHeader } from './artifact';

/**
 * LLM Guard API configuration (scanners.yml: `input_scanners` / `output_scanners`, each
 * `{type, params}`), with the scanner names and parameters of protectai/llm-guard's API
 * (TokenLimit, InvisibleText, PromptInjection, Anonymize, Sensitive, Secrets,
 * BanSubstrings, Regex). Where LLM Guard has no equivalent, the nearest faithful scanner
 * is emitted (usually Regex with Python-compatible patterns) and a note says so.
 */
export interface LlmGuardScanner {
  type: string;
  params: Record<string, unknown>;
}

/** Presidio entity names used by Anonymize (input) and Sensitive (output). */
const presidioEntities: Partial<Record<PiiEntity, string>> = {
  email: 'EMAIL_ADDRESS',
  phone: 'PHONE_NUMBER',
  iban: 'IBAN_CODE',
  'payment-card': 'CREDIT_CARD',
  'ip-address': 'IP_ADDRESS',
};

/** German identifiers Presidio does not know, as format-only patterns (no check digits). */
const germanIdPatterns: Partial<Record<PiiEntity, string>> = {
  'tax-id': '(?<![\\w+])\\d{2} ?\\d{3} ?\\d{3} ?\\d{3}(?!\\d)',
  'id-card': '(?<![A-Za-z0-9])[LMNPRTVWXY][0-9CFGHJKLMNPRTVWXYZ]{8}\\d(?![A-Za-z0-9])',
  passport: '(?<![A-Za-z0-9])[CFGHJK][0-9CFGHJKLMNPRTVWXYZ]{8}\\d(?![A-Za-z0-9])',
};

const INVISIBLE_PY =
  '[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\u00ad\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb\\U000e0000-\\U000e007f\\U000e0100-\\U000e01ef]';

const escapePy = (s: string) => s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');

function regexScanner(check: Check, patterns: string[]): LlmGuardScanner {
  return {
    type: 'Regex',
    params: {
      patterns,
      // false would turn the list into an allow-list (text must match), not "log only".
      is_blocked: true,
      match_type: 'search',
      redact: check.action === 'redact',
    },
  };
}

function compileCheck(check: Check, direction: CheckDirection, notes: string[]): LlmGuardScanner[] {
  const label = `check "${check.id}"`;
  if (check.action === 'log') {
    // Every LLM Guard scanner marks what it finds as invalid; there is no monitor-only mode.
    notes.push(`${label}: log-only checks are not published to LLM Guard, where any finding invalidates the request.`);
    return [];
  }
  switch (check.kind) {
    case 'token-limit':
      if (direction === 'output') {
        notes.push(`${label}: LLM Guard has no output token limit; not emitted.`);
        return [];
      }
      return [{ type: 'TokenLimit', params: { limit: check.params.limit, encoding_name: check.params.encoding } }];
    case 'invisible-text':
      if (direction === 'input') return [{ type: 'InvisibleText', params: {} }];
      notes.push(`${label}: LLM Guard's InvisibleText scans prompts only; output uses a Regex over the same characters.`);
      return [regexScanner(check, [INVISIBLE_PY])];
    case 'prompt-injection':
      if (direction === 'output') {
        notes.push(`${label}: LLM Guard has no output prompt-injection scanner; not emitted.`);
        return [];
      }
      notes.push(
        `${label}: LLM Guard's PromptInjection is a classifier model; Leitstand's heuristic threshold does not transfer, so its recommended threshold 0.92 is used.`,
      );
      return [{ type: 'PromptInjection', params: { threshold: 0.92, match_type: 'full' } }];
    case 'pii': {
      const scanners: LlmGuardScanner[] = [];
      const entityTypes = check.params.entities.flatMap((e) => (presidioEntities[e] ? [presidioEntities[e]!] : []));
      if (entityTypes.length > 0) {
        scanners.push(
          direction === 'input'
            ? { type: 'Anonymize', params: { entity_types: entityTypes, use_faker: false, threshold: 0.5, language: 'en' } }
            : { type: 'Sensitive', params: { entity_types: entityTypes, redact: check.action === 'redact', threshold: 0.5 } },
        );
      }
      const german = check.params.entities.flatMap((e) => (germanIdPatterns[e] ? [germanIdPatterns[e]!] : []));
      if (german.length > 0) {
        scanners.push(regexScanner(check, german));
        notes.push(`${label}: German tax ID, ID card and passport numbers are matched by format only in LLM Guard (no check digits).`);
      }
      return scanners;
    }
    case 'secrets': {
      if (direction === 'input') return [{ type: 'Secrets', params: { redact_mode: check.action === 'redact' ? 'all' : 'partial' } }];
      const enabled = new Set<string>(check.params.detectors);
      const patterns = keyPatterns.filter((k) => enabled.has(k.detector)).map((k) => pythonPattern(k.pattern));
      if (enabled.has('private-key')) patterns.push('-----BEGIN (?:[A-Z0-9]+ ){0,4}PRIVATE KEY(?: BLOCK)?-----');
      if (enabled.has('jwt')) patterns.push('eyJ[A-Za-z0-9_-]{10,4096}\\.eyJ[A-Za-z0-9_-]{10,8192}\\.[A-Za-z0-9_-]{0,1024}');
      notes.push(`${label}: LLM Guard's Secrets scans prompts only; output uses a Regex over the known key formats (no entropy rule).`);
      return patterns.length > 0 ? [regexScanner(check, patterns)] : [];
    }
    case 'ban-substrings':
      return [
        {
          type: 'BanSubstrings',
          params: {
            substrings: [...check.params.substrings],
            match_type: check.params.matchType,
            case_sensitive: check.params.caseSensitive,
            redact: check.action === 'redact',
            contains_all: check.params.containsAll,
          },
        },
      ];
    case 'regex': {
      const prefix = check.params.caseSensitive ? '' : '(?i)';
      return [regexScanner(check, check.params.patterns.map((p) => prefix + p))];
    }
    case 'topics': {
      // BanTopics is a zero-shot classifier over topic names; the keyword lists are the
      // policy's real content, so they are published as word patterns instead.
      const patterns = check.params.topics.map((topic) => {
        const words = topic.keywords.map((k) => (k.endsWith('*') ? `${escapePy(k.slice(0, -1))}\\w{0,40}` : escapePy(k)));
        return `(?i)\\b(?:${words.join('|')})\\b`;
      });
      if (check.params.minMatches > 1) notes.push(`${label}: minMatches ${check.params.minMatches} cannot be expressed; one keyword suffices in LLM Guard.`);
      return [regexScanner(check, patterns)];
    }
    case 'safety':
      notes.push(`${label}: Llama Guard categories are enforced by NeMo Guardrails; LLM Guard has no Llama Guard scanner.`);
      return [];
    case 'code-injection': {
      const patterns = check.params.languages.flatMap((language) => codePatterns[language].map((p) => pythonPattern(p.pattern)));
      return [regexScanner(check, patterns)];
    }
  }
}

/** Compiles a published version to LLM Guard's scanners.yml. */
export function compileLlmGuard(version: PublishedPolicyVersion): CompiledArtifact {
  const notes: string[] = [];
  const scanners = (direction: CheckDirection) =>
    version.definition.checks
      .filter((c) => c.enabled && c.direction === direction)
      .flatMap((c) => compileCheck(c, direction, notes));
  const config = { input_scanners: scanners('input'), output_scanners: scanners('output') };
  const yaml = yamlHeader('llm-guard', version) + stringify(config, { lineWidth: 0 });
  return makeArtifact('llm-guard', version, { 'scanners.yml': yaml }, notes);
}
