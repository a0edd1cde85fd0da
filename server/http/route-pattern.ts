import { matchRoutes, type AgnosticRouteObject } from '@remix-run/router';
import type { ServerBuild } from '@remix-run/node';

/**
 * Turns request paths into route patterns (`/admin/users/:id`) so metrics have bounded
 * label values. Built from the Remix build's route manifest.
 */
export function createRoutePatternMatcher(build: ServerBuild) {
  type Node = AgnosticRouteObject & { id: string; children: Node[] };
  const nodes = new Map<string, Node>();
  for (const route of Object.values(build.routes)) {
    nodes.set(route.id, {
      id: route.id,
      path: route.path,
      index: route.index,
      children: [],
    } as Node);
  }
  const roots: Node[] = [];
  for (const route of Object.values(build.routes)) {
    const node = nodes.get(route.id)!;
    const parent = route.parentId ? nodes.get(route.parentId) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  const patternOf = (id: string): string => {
    const parts: string[] = [];
    let current = build.routes[id];
    while (current) {
      if (current.path) parts.unshift(current.path);
      current = current.parentId ? build.routes[current.parentId] : undefined;
    }
    return '/' + parts.join('/').replace(/\/+/g, '/').replace(/^\//, '');
  };
  // Matching ranks every route on each call; remember recent paths (bounded: ids in paths
  // make them unbounded in number).
  const recent = new Map<string, string>();
  return (pathname: string, dataRouteId?: string | null): string => {
    if (dataRouteId && build.routes[dataRouteId]) return patternOf(dataRouteId);
    const known = recent.get(pathname);
    if (known !== undefined) return known;
    const matches = matchRoutes(roots, pathname);
    const last = matches?.[matches.length - 1];
    const pattern = last ? patternOf((last.route as Node).id) : 'unmatched';
    if (recent.size >= 1_000) recent.delete(recent.keys().next().value as string);
    recent.set(pathname, pattern);
    return pattern;
  };
}
