import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, PersistentVolumeClaim, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { parse, parseAllDocuments } from 'yaml';
import { configSchema, parseConfig, secretVariables } from '../../server/config';
import { knownResources } from '../../server/kube/resources';
import { type Branch, definedNames, includedNames, PLACEHOLDER, skeleton, valuePaths } from './support/template-skeleton';

const chartDir = path.resolve(import.meta.dirname, '../../charts/leitstand');
const read = (file: string) => fs.readFileSync(path.join(chartDir, file), 'utf8');
const templateFiles = fs.readdirSync(path.join(chartDir, 'templates')).sort();
const yamlTemplates = templateFiles.filter((f) => f.endsWith('.yaml'));

type Values = Record<string, unknown> & {
  config: Record<string, unknown>;
  secrets: Record<string, unknown>;
};
const values = parse(read('values.yaml')) as Values;
const schema = JSON.parse(read('values.schema.json')) as {
  $schema: string;
  properties: Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
};
const ajv = new Ajv({ allErrors: true });
const validateValues = ajv.compile(schema);

function schemaErrors(candidate: unknown): string[] {
  return validateValues(candidate)
    ? []
    : (validateValues.errors ?? []).map((e) => `${e.dataPath || '(root)'} ${e.message ?? ''}`);
}

function withConfig(section: 'config' | 'secrets', key: string, value: unknown): Values {
  const copy = structuredClone(values);
  copy[section] = { ...copy[section], [key]: value };
  return copy;
}

const configKeys = Object.keys(configSchema.shape).sort();
const secretKeys = [...secretVariables].sort();

/** Variables the ConfigMap always renders; the others are left out when empty. */
const alwaysRendered = new Set(
  [...read('templates/configmap.yaml').matchAll(/^ {2}([A-Z_]+): \{\{ \.Values\.config\.\1 \| quote \}\}$/gm)].map((m) => m[1]!),
);

/** What the container's environment gets for a chart value (templates quote it; empty optional ones are left out). */
function asEnv(value: unknown, key = ''): string | undefined {
  if (value === undefined) return undefined;
  if (value === '' && !alwaysRendered.has(key)) return undefined;
  return String(value);
}

describe('values.yaml and values.schema.json', () => {
  it('declares JSON Schema draft-07 and is itself a valid draft-07 schema', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(ajv.validateSchema(schema)).toBe(true);
  });

  it('accepts the default values', () => {
    expect(schemaErrors(values)).toEqual([]);
  });

  it.each([
    ['a port out of range', withConfig('config', 'PORT', 70000), '.config.PORT'],
    ['a misspelt variable (it would silently do nothing)', withConfig('config', 'LEITSTAND_LOGLEVEL', 'debug'), '.config'],
    ['a non-PostgreSQL database URL', withConfig('secrets', 'DATABASE_URL', 'mysql://db/leitstand'), '.secrets.DATABASE_URL'],
    ['an admin password shorter than 12 characters', withConfig('secrets', 'LEITSTAND_ADMIN_PASSWORD', 'short'), '.secrets.LEITSTAND_ADMIN_PASSWORD'],
    ['a body limit as a number (Helm would print 1e+06)', withConfig('config', 'LEITSTAND_BODY_LIMIT', 1048576), '.config.LEITSTAND_BODY_LIMIT'],
    ['a relative data directory (it is a mount path)', withConfig('config', 'LEITSTAND_DATA_DIR', 'data'), '.config.LEITSTAND_DATA_DIR'],
    ['an unknown top-level value', { ...values, replicas: 2 }, '(root)'],
  ])('refuses %s', (_name, candidate, where) => {
    const errors = schemaErrors(candidate);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.some((e) => e.startsWith(where))).toBe(true);
  });
});

describe('chart values map one-to-one to configSchema', () => {
  it('has a value for every variable Leitstand reads, and none it does not', () => {
    const chartKeys = [...Object.keys(values.config), ...Object.keys(values.secrets)].sort();
    expect(chartKeys).toEqual(configKeys);
  });

  it('keeps exactly the secret variables in `secrets`', () => {
    expect(Object.keys(values.secrets).sort()).toEqual(secretKeys);
  });

  it('lists every variable in the schema, all required, no others allowed', () => {
    for (const section of ['config', 'secrets'] as const) {
      const node = schema.properties[section]!;
      expect(Object.keys(node.properties ?? {}).sort()).toEqual(Object.keys(values[section]).sort());
      expect([...(node.required ?? [])].sort()).toEqual(Object.keys(values[section]).sort());
    }
  });

  it("uses Leitstand's own defaults, except the data directory, which is the volume's mount path", () => {
    const defaults = configSchema.parse({});
    const differences = configKeys.filter((key) => {
      const chart = asEnv({ ...values.config, ...values.secrets }[key]);
      const own = (defaults as Record<string, unknown>)[key];
      const ownAsEnv = key === 'LEITSTAND_BODY_LIMIT' ? '1048576' : asEnv(own);
      const chartNormalised = key === 'LEITSTAND_BODY_LIMIT' && chart === '1mb' ? '1048576' : chart;
      return chartNormalised !== ownAsEnv;
    });
    expect(differences).toEqual(['LEITSTAND_DATA_DIR']);
  });

  it('gives a configuration Leitstand starts with', () => {
    const env = Object.fromEntries(
      Object.entries({ ...values.config, ...values.secrets }).map(([k, v]) => [k, asEnv(v)]),
    );
    const config = parseConfig(env);
    expect(config.port).toBe(3000);
    expect(config.dataDir).toBe('/data');
    expect(config.database.url).toBeUndefined();
  });

  // For each variable, values at and beyond the schema's edges must get the same verdict from
  // the chart schema (at `helm install`) as from Leitstand (at start).
  const probesFor = (key: string, property: Record<string, unknown>): unknown[] => {
    if (Array.isArray(property.enum)) return [...(property.enum as unknown[]), 'bogus'];
    if (property.type === 'integer') {
      const min = property.minimum as number;
      const max = property.maximum as number;
      return [min - 1, min, max, max + 1];
    }
    if (property.type === 'boolean') return [true, false];
    if (key === 'LEITSTAND_BODY_LIMIT') return ['1mb', '512kb', '512KB', '1048576', '1gb', '1.5mb', ''];
    if (key === 'DATABASE_URL') return ['', 'postgres://u@db:5432/l', 'postgresql://db/l', 'mysql://db/l'];
    if (key === 'LEITSTAND_ADMIN_PASSWORD') return ['', 'x'.repeat(11), 'x'.repeat(12)];
    if (key === 'LEITSTAND_SECRET_KEY') return ['', `${'A'.repeat(43)}=`, 'A'.repeat(44), `${'A'.repeat(42)}=`];
    if (key === 'HOST') return ['', '0.0.0.0', '::'];
    if (key === 'LEITSTAND_LITELLM_USD_PER_MILLION_TOKENS') return ['', '0.50', '12', '0.000001', '0', '0.00', '-1', '1e3', '.5', '1.', 'abc'];
    return ['', '/a/path'];
  };
  const cases = (['config', 'secrets'] as const).flatMap((section) =>
    Object.entries(schema.properties[section]!.properties ?? {}).map(([key, property]) => ({
      section,
      key,
      property: property as Record<string, unknown>,
    })),
  );
  // Where the chart is deliberately stricter than Leitstand, and why.
  const chartRefusesOnPurpose: Record<string, unknown[]> = {
    // Leitstand accepts 0 (an ephemeral port, for tests); a container port cannot be 0.
    PORT: [0],
  };
  it.each(cases)('agrees with configSchema on $key', ({ section, key, property }) => {
    const field = configSchema.shape[key as keyof typeof configSchema.shape];
    for (const probe of probesFor(key, property)) {
      const chartAccepts = schemaErrors(withConfig(section, key, probe)).length === 0;
      // A string-typed schema refuses numbers that Leitstand would read as text: compare text only.
      if (typeof probe !== 'string' && property.type === 'string') continue;
      const leitstandAccepts = field.safeParse(asEnv(probe, key)).success;
      const expected = chartRefusesOnPurpose[key]?.includes(probe) ? false : leitstandAccepts;
      expect({ key, probe, chartAccepts }).toEqual({ key, probe, chartAccepts: expected });
    }
  });

  it('is stricter than Leitstand only where it says so', () => {
    for (const [key, refused] of Object.entries(chartRefusesOnPurpose)) {
      const field = configSchema.shape[key as keyof typeof configSchema.shape];
      for (const value of refused) {
        expect(field.safeParse(asEnv(value, key)).success, `Leitstand now refuses ${key}=${String(value)}: drop the exception`).toBe(true);
      }
    }
  });
});

describe('templates', () => {
  const all = Object.fromEntries(templateFiles.map((f) => [f, read(`templates/${f}`)]));

  it('reads only values that exist in values.yaml', () => {
    const missing: string[] = [];
    for (const [file, text] of Object.entries(all)) {
      for (const p of valuePaths(text)) {
        let node: unknown = values;
        for (const part of p.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
        if (node === undefined) missing.push(`${file}: .Values.${p}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('includes only helpers that _helpers.tpl defines', () => {
    const defined = new Set(definedNames(all['_helpers.tpl']!));
    const used = Object.values(all).flatMap(includedNames);
    expect(used.filter((n) => !defined.has(n))).toEqual([]);
    expect(used.length).toBeGreaterThan(0);
  });

  it.each(yamlTemplates.flatMap((f) => (['then', 'else'] as Branch[]).map((b) => [f, b] as const)))(
    '%s parses as YAML with every condition %s',
    (file, branch) => {
      const docs = parseAllDocuments(skeleton(all[file]!, branch));
      for (const doc of docs) expect(doc.errors.map(String)).toEqual([]);
    },
  );

  it('balances its blocks in NOTES.txt and _helpers.tpl too', () => {
    expect(() => skeleton(all['NOTES.txt']!)).not.toThrow();
    expect(() => skeleton(all['_helpers.tpl']!)).not.toThrow();
  });
});

/** The manifests of a template's 'then' skeleton, placeholders made type-correct for validation. */
function manifests(file: string): Record<string, unknown>[] {
  const integerFields = new Set([
    'replicas',
    'containerPort',
    'port',
    'periodSeconds',
    'failureThreshold',
    'timeoutSeconds',
    'terminationGracePeriodSeconds',
    'maxUnavailable',
  ]);
  const typedPlaceholders: Record<string, string> = { imagePullPolicy: 'IfNotPresent', type: 'ClusterIP', pathType: 'Prefix', storage: '1Gi' };
  const fix = (node: unknown, key = ''): unknown => {
    if (node === PLACEHOLDER && integerFields.has(key)) return 1;
    if (node === PLACEHOLDER && key in typedPlaceholders) return typedPlaceholders[key];
    if (typeof node === 'string') return node.replaceAll(PLACEHOLDER, 'x');
    if (Array.isArray(node)) return node.map((n) => fix(n));
    if (node && typeof node === 'object') {
      return Object.fromEntries(
        Object.entries(node)
          // `labels:` followed by an `include … | nindent` line: the skeleton leaves null.
          .filter(([, v]) => v !== null)
          .map(([k, v]) => [k, fix(v, k)]),
      );
    }
    return node;
  };
  return parseAllDocuments(skeleton(read(`templates/${file}`), 'then'))
    .map((d) => d.toJS() as unknown)
    .filter((d): d is Record<string, unknown> => d !== null)
    .map((d) => fix(d) as Record<string, unknown>);
}

describe('rendered objects', () => {
  const models: Record<string, new (data: never) => { validate(): void }> = {
    Deployment,
    Service,
    ServiceAccount,
    ConfigMap,
    Secret,
    PersistentVolumeClaim,
    PodDisruptionBudget,
    Ingress,
    ClusterRole,
    ClusterRoleBinding,
    Role,
    RoleBinding,
  };

  it('are the expected kinds and valid against the Kubernetes OpenAPI schemas', () => {
    const kinds: string[] = [];
    for (const file of yamlTemplates) {
      for (const manifest of manifests(file)) {
        const kind = String(manifest.kind);
        kinds.push(kind);
        const Model = models[kind];
        expect(Model, `no model for ${kind}`).toBeDefined();
        expect(() => new Model!(manifest as never).validate(), `${file} ${kind}`).not.toThrow();
      }
    }
    expect(kinds.sort()).toEqual(Object.keys(models).sort());
  });

  const deployment = manifests('deployment.yaml')[0] as {
    spec: { template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[]; volumes: { name: string }[] } } };
  };
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0]!;

  it('probes /healthz for liveness and start-up and /readyz for readiness, on the named port', () => {
    const probe = (name: string) => (container[name] as { httpGet: { path: string; port: string } }).httpGet;
    expect(probe('livenessProbe')).toEqual({ path: '/healthz', port: 'http' });
    expect(probe('startupProbe')).toEqual({ path: '/healthz', port: 'http' });
    expect(probe('readinessProbe')).toEqual({ path: '/readyz', port: 'http' });
    const service = manifests('service.yaml')[0] as { spec: { ports: { targetPort: string }[] } };
    expect(service.spec.ports[0]!.targetPort).toBe('http');
    expect((container.ports as { name: string }[])[0]!.name).toBe('http');
  });

  it('runs as non-root on a read-only root filesystem with every capability dropped, by default', () => {
    expect(values.podSecurityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(values.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    const text = read('templates/deployment.yaml');
    expect(text).toMatch(/securityContext:\n\s+\{\{- toYaml \.Values\.podSecurityContext \| nindent 8 \}\}/);
    expect(text).toMatch(/securityContext:\n\s+\{\{- toYaml \.Values\.securityContext \| nindent 12 \}\}/);
    expect(text).toMatch(/resources:\n\s+\{\{- toYaml \.Values\.resources \| nindent 12 \}\}/);
  });

  it('gives the read-only container a writable /tmp and the data directory', () => {
    const mounts = container.volumeMounts as { name: string; mountPath: string }[];
    expect(mounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(mounts.find((m) => m.name === 'data')).toBeDefined();
    expect(read('templates/deployment.yaml')).toContain('mountPath: {{ .Values.config.LEITSTAND_DATA_DIR }}');
    expect(pod.volumes.map((v) => v.name)).toEqual(expect.arrayContaining(['data', 'tmp']));
  });
});

describe('environment templates (golden)', () => {
  /** Environment names a template sets: ConfigMap/Secret data keys and container env names. */
  const envNames = {
    configmap: Object.keys(parse(skeleton(read('templates/configmap.yaml'))).data as object),
    secret: Object.keys(parse(skeleton(read('templates/secret.yaml'))).stringData as object),
    deployment: (
      (manifests('deployment.yaml')[0] as { spec: { template: { spec: { containers: { env: { name: string }[] }[] } } } })
        .spec.template.spec.containers[0]!.env
    ).map((e) => e.name),
  };

  it('passes every non-secret variable through the ConfigMap, under its own name', () => {
    expect([...envNames.configmap].sort()).toEqual(Object.keys(values.config).sort());
  });

  it('passes the secret variables only through the Secret, referenced by name in the Deployment', () => {
    expect([...envNames.secret].sort()).toEqual(secretKeys);
    expect(envNames.deployment).toEqual([...secretVariables, 'LEITSTAND_INSTANCE_ID']);
    expect(envNames.deployment.length).toBe(secretVariables.length + 1);
    expect(envNames.configmap.filter((n) => (secretKeys as string[]).includes(n))).toEqual([]);
  });

  it('covers configSchema exactly, so a new variable cannot be forgotten in the chart', () => {
    const names = new Set([...envNames.configmap, ...envNames.secret, ...envNames.deployment]);
    expect([...names].sort()).toEqual(configKeys);
  });

  it('reads each ConfigMap entry from the value of the same name', () => {
    for (const line of read('templates/configmap.yaml').split('\n')) {
      const m = /^\s+([A-Z_]+): \{\{ (.+?) \| quote \}\}$/.exec(line);
      if (!m) continue;
      expect([`.Values.config.${m[1]}`, '.']).toContain(m[2]);
    }
  });
});

describe('RBAC', () => {
  const [clusterRole, , role] = manifests('rbac.yaml') as { kind: string; rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] }[];
  const rules = [...clusterRole!.rules, ...role!.rules];
  const verbsFor = (group: string, resource: string) =>
    rules.filter((r) => r.apiGroups.includes(group) && r.resources.includes(resource)).flatMap((r) => r.verbs);

  it('grants access to every kind Leitstand manages (server/kube knownResources)', () => {
    const missing = knownResources
      .filter((r) => !verbsFor(r.apiVersion.includes('/') ? r.apiVersion.split('/')[0]! : '', r.plural).includes('get'))
      .map((r) => `${r.apiVersion} ${r.plural}`);
    expect(missing).toEqual([]);
  });

  it('grants nothing beyond the kinds Leitstand manages, and no access to Secrets at all', () => {
    const managed = new Set(knownResources.map((r) => `${r.apiVersion.includes('/') ? r.apiVersion.split('/')[0]! : ''}/${r.plural}`));
    const granted = rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.map((res) => `${g}/${res.split('/')[0]}`)));
    expect(granted.filter((k) => !managed.has(k))).toEqual([]);
    expect(verbsFor('', 'secrets')).toEqual([]);
  });

  it('lets Leitstand cordon and label nodes but never create or delete them', () => {
    expect(verbsFor('', 'nodes').sort()).toEqual(['get', 'list', 'patch', 'watch']);
  });

  it('evicts pods through the eviction API and never writes pods directly', () => {
    expect(verbsFor('', 'pods/eviction')).toEqual(['create']);
    expect(verbsFor('', 'pods').sort()).toEqual(['get', 'list', 'watch']);
  });

  it('keeps the leader-election Lease in a namespaced Role, not cluster-wide', () => {
    expect(role!.kind).toBe('Role');
    expect(verbsFor('coordination.k8s.io', 'leases')).toContain('update');
    expect(clusterRole!.rules.some((r) => r.resources.includes('leases'))).toBe(false);
  });

  it('uses no wildcard', () => {
    expect(rules.filter((r) => [...r.apiGroups, ...r.resources, ...r.verbs].includes('*'))).toEqual([]);
  });
});
