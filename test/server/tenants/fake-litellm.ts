/**
 * A stand-in for the LiteLLM proxy's team admin API, run as its own process
 * (`node --import tsx test/server/tenants/fake-litellm.ts`): prints `listening <port>`.
 *
 * Modelled on LiteLLM's documented endpoints and its team_endpoints.py:
 * - every route wants `Authorization: Bearer <LITELLM_MASTER_KEY>` (else 401);
 * - team rows carry `max_budget` and `soft_budget` (US dollars, floats; null = none), as a
 *   LiteLLM with team soft budgets stores and returns them;
 * - `POST /team/new` takes a NewTeamRequest (unknown fields and wrong types: 422, as
 *   pydantic would for types; strict on names so a misspelt field is caught), answers 400
 *   "Team id = X already exists. Please use a different team id." for a taken team_id, and
 *   returns the stored team row;
 * - `POST /team/update` takes an UpdateTeamRequest (team_id required: 400 "No team id
 *   passed in"), 404 "Team not found, passed team_id=X" for an unknown one, and sets only
 *   the fields sent (metadata replaced as a whole); returns `{ team_id, data }`;
 * - `GET /team/info?team_id=` returns `{ team_id, team_info, keys, team_memberships }`, 404
 *   for an unknown team, 422 without team_id;
 * - `GET /team/list` returns the team rows.
 * Not LiteLLM: `GET /__calls` lists the requests received (method, path, body), for tests.
 */
import http from 'node:http';

const masterKey = process.env.LITELLM_MASTER_KEY ?? 'sk-fake-master';
const teams = new Map<string, Record<string, unknown>>();
const calls: Array<{ method: string; path: string; body: unknown }> = [];

const teamFields: Record<string, (v: unknown) => boolean> = {
  team_id: (v) => typeof v === 'string' && v.length > 0,
  team_alias: (v) => v === null || typeof v === 'string',
  organization_id: (v) => v === null || typeof v === 'string',
  metadata: (v) => v === null || (typeof v === 'object' && !Array.isArray(v)),
  tpm_limit: (v) => v === null || Number.isInteger(v),
  rpm_limit: (v) => v === null || Number.isInteger(v),
  max_budget: (v) => v === null || typeof v === 'number',
  // TeamBase / UpdateTeamRequest `soft_budget: Optional[float]` (LiteLLM's team soft budget alerts).
  soft_budget: (v) => v === null || typeof v === 'number',
  budget_duration: (v) => v === null || (typeof v === 'string' && /^\d+(s|m|h|d|w|mo)$/.test(v)),
  models: (v) => Array.isArray(v) && v.every((m) => typeof m === 'string'),
  blocked: (v) => typeof v === 'boolean',
  model_aliases: (v) => v === null || typeof v === 'object',
  tags: (v) => v === null || Array.isArray(v),
  guardrails: (v) => v === null || Array.isArray(v),
  members_with_roles: (v) => Array.isArray(v),
  team_member_permissions: (v) => v === null || Array.isArray(v),
};

function send(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** pydantic-style 422 for fields we do not know or of the wrong type; null when the body is fine. */
function invalid(body: Record<string, unknown>): unknown {
  const detail = Object.entries(body)
    .filter(([k, v]) => !(k in teamFields) || !teamFields[k]!(v))
    .map(([k, v]) => ({ loc: ['body', k], msg: k in teamFields ? 'Input should be valid' : 'Extra inputs are not permitted', input: v }));
  return detail.length > 0 ? { detail } : null;
}

const server = http.createServer((req, res) => {
  let raw = '';
  req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://fake');
    let body: Record<string, unknown> = {};
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      return send(res, 400, { detail: 'body is not JSON' });
    }
    if (url.pathname === '/__calls') return send(res, 200, calls);
    calls.push({ method: req.method ?? '', path: `${url.pathname}${url.search}`, body: raw ? body : undefined });
    if (req.headers.authorization !== `Bearer ${masterKey}`)
      return send(res, 401, { error: { message: 'Authentication Error, Invalid proxy server token passed.', type: 'auth_error', param: 'None', code: '401' } });

    if (url.pathname === '/team/info' && req.method === 'GET') {
      const id = url.searchParams.get('team_id');
      if (!id) return send(res, 422, { detail: { message: 'Malformed request. No team id passed in.' } });
      const team = teams.get(id);
      if (!team) return send(res, 404, { detail: { message: `Team not found, passed team id: ${id}.` } });
      return send(res, 200, { team_id: id, team_info: team, keys: [], team_memberships: [] });
    }
    if (url.pathname === '/team/list' && req.method === 'GET') return send(res, 200, [...teams.values()]);
    if (url.pathname === '/team/new' && req.method === 'POST') {
      const problem = invalid(body);
      if (problem) return send(res, 422, problem);
      const id = typeof body.team_id === 'string' ? body.team_id : crypto.randomUUID();
      if (teams.has(id)) return send(res, 400, { detail: { error: `Team id = ${id} already exists. Please use a different team id.` } });
      const row = {
        team_id: id,
        team_alias: null,
        organization_id: null,
        admins: [],
        members: [],
        members_with_roles: [],
        metadata: {},
        tpm_limit: null,
        rpm_limit: null,
        max_budget: null,
        soft_budget: null,
        budget_duration: null,
        models: [],
        blocked: false,
        spend: 0,
        ...body,
        budget_reset_at: typeof body.budget_duration === 'string' ? new Date().toISOString() : null,
        created_at: new Date().toISOString(),
      };
      teams.set(id, row);
      return send(res, 200, row);
    }
    if (url.pathname === '/team/update' && req.method === 'POST') {
      if (typeof body.team_id !== 'string') return send(res, 400, { detail: { error: 'No team id passed in' } });
      const problem = invalid(body);
      if (problem) return send(res, 422, problem);
      const team = teams.get(body.team_id);
      if (!team) return send(res, 404, { detail: { error: `Team not found, passed team_id=${body.team_id}` } });
      Object.assign(team, body);
      return send(res, 200, { team_id: body.team_id, data: team });
    }
    return send(res, 404, { detail: 'Not Found' });
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
