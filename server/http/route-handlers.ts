import { type AgnosticRouteObject, matchRoutes } from '@remix-run/router';
import { createRequestHandler, type ServerBuild } from '@remix-run/node';

type RequestHandler = ReturnType<typeof createRequestHandler>;

export interface RouteTarget {
  /** The route pattern (`/admin/users/:id`), a bounded label for metrics; 'unmatched' if none. */
  pattern: string;
  /** A Remix handler that knows just the routes this path can reach (see below). */
  handler: RequestHandler;
}

/**
 * Remix matches a request against every route several times over (the server's match, the
 * static handler's, the rendered router's, and once per parent path for the manifest sent
 * to the browser), each time flattening, ranking and compiling all ~80 route patterns: a
 * sixth of a page's CPU in profiles. A path's matches never change while the server runs,
 * so this matches a path once and hands the request to a Remix handler built from just the
 * routes that path and its parent paths match: the same routes Remix would have found (a
 * best match among all routes is also the best among a subset holding it), and the same
 * partial manifest the browser would have received under lazy route discovery. Handlers
 * are shared by paths with the same routes; recent paths are remembered (ids in paths make
 * them unbounded in number). The manifest endpoint (`/__manifest`, which resolves other
 * paths) and unmatched paths go to the handler over all routes.
 */
export function createRouteTargets(build: ServerBuild, mode?: string) {
  type Node = AgnosticRouteObject & { id: string; children: Node[] };
  const nodes = new Map<string, Node>();
  for (const route of Object.values(build.routes)) {
    nodes.set(route.id, { id: route.id, path: route.path, index: route.index, children: [] } as Node);
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

  const fullHandler = createRequestHandler(build, mode);
  const handlers = new Map<string, RequestHandler>();
  const handlerFor = (ids: Set<string>): RequestHandler => {
    const key = [...ids].sort().join('\n');
    let handler = handlers.get(key);
    if (!handler) {
      const pick = <T>(all: Record<string, T>) => Object.fromEntries([...ids].map((id) => [id, all[id]!]));
      const pruned: ServerBuild = {
        ...build,
        routes: pick(build.routes),
        assets: { ...build.assets, routes: pick(build.assets.routes) },
      };
      handler = createRequestHandler(pruned, mode);
      handlers.set(key, handler);
    }
    return handler;
  };

  const manifestPath = `${build.basename ?? '/'}/__manifest`.replace(/\/+/g, '/');
  const recent = new Map<string, RouteTarget>();
  const resolve = (pathname: string): RouteTarget => {
    const matches = matchRoutes(roots, pathname, build.basename);
    const last = matches?.[matches.length - 1];
    if (!last || pathname === manifestPath) {
      return { pattern: last ? patternOf((last.route as Node).id) : 'unmatched', handler: fullHandler };
    }
    // As @remix-run/react's getPartialManifest: the path's matches and its parent paths'.
    const ids = new Set(matches!.map((m) => (m.route as Node).id));
    const segments = pathname.split('/').filter(Boolean);
    for (segments.pop(); ; segments.pop()) {
      for (const m of matchRoutes(roots, `/${segments.join('/')}`, build.basename) ?? []) ids.add((m.route as Node).id);
      if (segments.length === 0) break;
    }
    return { pattern: patternOf((last.route as Node).id), handler: handlerFor(ids) };
  };

  return {
    /** The pattern of a data request's route, or of the path's deepest match. */
    pattern(pathname: string, dataRouteId?: string | null): string {
      if (dataRouteId && build.routes[dataRouteId]) return patternOf(dataRouteId);
      return this.target(pathname).pattern;
    },
    target(pathname: string): RouteTarget {
      let known = recent.get(pathname);
      if (!known) {
        known = resolve(pathname);
        if (recent.size >= 1_000) recent.delete(recent.keys().next().value as string);
        recent.set(pathname, known);
      }
      return known;
    },
  };
}
