/**
 * Reads Helm templates without Helm. There is no Helm binary on the build machines, so the
 * chart tests look at a template's *skeleton*: its YAML with every Go-template action taken
 * out. Lines holding only actions (control flow, `include … | nindent`) are dropped;
 * actions inside a line become the placeholder scalar `TEMPLATED`. Conditional blocks are
 * rendered as if every condition were true ('then') or every condition false ('else'), so
 * both shapes must still be valid YAML. This proves structure, names and literal fields;
 * it does not evaluate expressions (see charts/leitstand/README.md).
 */
export const PLACEHOLDER = 'TEMPLATED';

export type Branch = 'then' | 'else';

const actionPattern = /\{\{-?[\s\S]*?-?\}\}/g;
const commentPattern = /\{\{-?\s*\/\*[\s\S]*?\*\/\s*-?\}\}/g;

/** The keyword an action starts with (if, else, end, range …), or null for an output action. */
export function actionKeyword(action: string): string | null {
  const body = action.replace(/^\{\{-?\s*/, '').replace(/\s*-?\}\}$/, '');
  const match = /^(if|else|end|with|range|define|block)\b/.exec(body);
  return match ? match[1]! : null;
}

interface Block {
  keyword: string;
  /** Whether text in the current part of the block is kept. */
  keep: boolean;
  parentKeeps: boolean;
}

/** The template text with comments removed (they may span lines). */
export function stripComments(template: string): string {
  return template.replace(commentPattern, '');
}

/** The YAML skeleton of a template for one branch choice; throws on unbalanced blocks. */
export function skeleton(template: string, branch: Branch = 'then'): string {
  const out: string[] = [];
  const stack: Block[] = [];
  const keeping = () => stack.every((b) => b.keep);
  for (const line of stripComments(template).split('\n')) {
    const actions = line.match(actionPattern) ?? [];
    const text = line.replace(actionPattern, '');
    const actionOnly = actions.length > 0 && text.trim() === '';
    const wasKeeping = keeping();
    for (const action of actions) {
      const keyword = actionKeyword(action);
      if (keyword === 'if' || keyword === 'with' || keyword === 'range') {
        stack.push({ keyword, keep: branch === 'then', parentKeeps: keeping() });
      } else if (keyword === 'define' || keyword === 'block') {
        stack.push({ keyword, keep: false, parentKeeps: keeping() });
      } else if (keyword === 'else') {
        const top = stack.at(-1);
        if (!top) throw new Error(`'else' without an open block: ${line.trim()}`);
        // 'then': the first branch was taken, skip the rest; 'else': the last branch is taken.
        const isElseIf = /\{\{-?\s*else\s+(if|with)\b/.test(action);
        top.keep = branch === 'else' && !isElseIf;
      } else if (keyword === 'end') {
        if (!stack.pop()) throw new Error(`'end' without an open block: ${line.trim()}`);
      }
    }
    if (actionOnly) continue;
    if (!wasKeeping || !keeping()) continue;
    out.push(line.replace(actionPattern, PLACEHOLDER));
  }
  if (stack.length > 0) throw new Error(`unclosed block(s): ${stack.map((b) => b.keyword).join(', ')}`);
  return out.join('\n');
}

/** Every `.Values.a.b` path a template reads (`$.Values` too). */
export function valuePaths(template: string): string[] {
  const paths = new Set<string>();
  for (const action of stripComments(template).match(actionPattern) ?? []) {
    for (const match of action.matchAll(/\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) paths.add(match[1]!.slice(1));
  }
  return [...paths].sort();
}

/** Names used with `include "…"` / `template "…"`. */
export function includedNames(template: string): string[] {
  return [...template.matchAll(/\b(?:include|template)\s+"([^"]+)"/g)].map((m) => m[1]!);
}

/** Names declared with `define "…"`. */
export function definedNames(template: string): string[] {
  return [...template.matchAll(/\bdefine\s+"([^"]+)"/g)].map((m) => m[1]!);
}
