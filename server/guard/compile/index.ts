import { type CompiledArtifact, type PublishedPolicyVersion } from './artifact';
import { compileLeitstand } from './leitstand';
import { compileLlmGuard } from './llm-guard';
import { compileNemo, type NemoCompileOptions } from './nemo';

export * from './artifact';
export { compileLeitstand, LEITSTAND_GUARD_API_VERSION } from './leitstand';
export { compileLlmGuard, type LlmGuardScanner } from './llm-guard';
export { compileNemo, type NemoCompileOptions } from './nemo';

/** Every publication format of a version. */
export function compileAll(version: PublishedPolicyVersion, options: NemoCompileOptions = {}): CompiledArtifact[] {
  return [compileLlmGuard(version), compileNemo(version, options), compileLeitstand(version)];
}
