import { owaspEditions, owaspItems } from '../owasp';
import { checkTags } from '../schema';
import { canonicalJson, type CompiledArtifact, makeArtifact, type PublishedPolicyVersion } from './artifact';

export const LEITSTAND_GUARD_API_VERSION = 'guard.leitstand.io/v1';

/**
 * Leitstand's own format: the full definition with defaults applied, each check's OWASP
 * tags resolved to every edition's identifier, as canonical JSON (sorted keys), so the
 * file itself is the canonical content.
 */
export function compileLeitstand(version: PublishedPolicyVersion): CompiledArtifact {
  const document = {
    apiVersion: LEITSTAND_GUARD_API_VERSION,
    kind: 'GuardPolicy',
    policy: version.policy,
    version: version.version,
    checks: version.definition.checks.map((check) => ({
      ...check,
      tags: checkTags(check),
      owasp: Object.fromEntries(
        owaspEditions.map((edition) => [
          edition,
          checkTags(check).flatMap((slug) => (owaspItems[slug].editions[edition] ? [owaspItems[slug].editions[edition]!.id] : [])),
        ]),
      ),
    })),
  };
  return makeArtifact('leitstand', version, { 'policy.json': `${canonicalJson(document)}\n` }, []);
}
