import { type FieldErrors, InputError } from '../core/errors';
import { type PolicyDefinition, policyDefinitionSchema } from './schema';

/**
 * Parses a policy definition from untrusted input (API body, form); throws InputError
 * whose fieldErrors name each bad field by its path, e.g. `checks.2.params.patterns.0`.
 */
export function parsePolicyDefinition(input: unknown): PolicyDefinition {
  const result = policyDefinitionSchema.safeParse(input);
  if (result.success) return result.data;
  const fieldErrors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path.length > 0 ? issue.path.join('.') : 'definition';
    (fieldErrors[field] ??= []).push(issue.message);
  }
  throw new InputError('The policy definition is not valid.', fieldErrors);
}
