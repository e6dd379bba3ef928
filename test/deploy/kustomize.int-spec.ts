// SPDX-License-Identifier: Apache-2.0
/**
 * The Kubernetes manifests (deploy/kubernetes) as the real tool renders them: `kubectl kustomize` of each overlay,
 * parsed, and checked against what deploy/kubernetes/README.md promises and against the gateway's own configuration
 * schema and loader. Also runs `node scripts/kube-config.ts --check`, so a ConfigMap env file out of step with the
 * schema fails CI. Needs kubectl 1.27 or later (its built-in Kustomize v5, no cluster); .ci/run checks for it.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { VARIABLE_NAMES } from '../../apps/gateway/src/config/variables.js';
import { loadConfiguration } from '../../apps/gateway/src/config/configuration.js';
import { SECRET_VARIABLES } from '../../scripts/kube-config.js';

const ROOT = resolve(import.meta.dirname, '../..');
const OVERLAYS = ['postgres', 'embedded-single'] as const;
type Overlay = (typeof OVERLAYS)[number];

/** What deploy/Dockerfile's runtime stage sets (ENV); NODE_OPTIONS is Node's, not the gateway's. */
const IMAGE_ENV = { NODE_ENV: 'production', PORT: '8080', HOST: '0.0.0.0', DATA_DIR: '/data' };
const IMAGE = 'registry.example.internal/clearway:0.1.0';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  periodSeconds?: number;
  failureThreshold?: number;
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  env?: EnvVar[];
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    privileged?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type: string };
  };
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  terminationGracePeriodSeconds?: number;
  automountServiceAccountToken?: boolean;
  hostNetwork?: boolean;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  volumes?: Array<{ name: string; emptyDir?: object; persistentVolumeClaim?: { claimName: string } }>;
}
interface K8s {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  // the fields these checks read, of the kinds that have them
  spec?: {
    replicas?: number;
    strategy?: { type: string };
    template?: { metadata?: { labels?: Record<string, string> }; spec: PodSpec };
    scaleTargetRef?: { kind: string; name: string };
    minReplicas?: number;
    maxReplicas?: number;
    metrics?: Array<{ type: string; resource?: { name: string } }>;
    maxUnavailable?: number | string;
    minAvailable?: number | string;
    podSelector?: { matchLabels?: Record<string, string> };
    policyTypes?: string[];
    ingress?: Array<{ from?: Array<{ namespaceSelector?: { matchLabels?: Record<string, string> } }>; ports?: Array<{ port: number }> }>;
    egress?: Array<{ to?: Array<{ ipBlock?: { cidr: string } }>; ports?: Array<{ port: number; protocol?: string }> }>;
    selector?: { matchLabels?: Record<string, string> };
    endpoints?: Array<{ port: string; path?: string }>;
    ports?: Array<{ name: string; port: number; targetPort?: string | number }>;
    tls?: Array<{ hosts: string[]; secretName: string }>;
    rules?: Array<{ host: string; http: { paths: Array<{ backend: { service: { name: string; port: { name?: string } } } }> } }>;
    accessModes?: string[];
  };
}

function kubectl(args: string[]): string {
  const run = spawnSync('kubectl', args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(
      'kubectl is not installed: the Kubernetes manifests are checked with `kubectl kustomize` (kubectl 1.27 or later, for its Kustomize v5; see .ci/run)',
    );
  }
  if (run.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed (exit ${run.status}): ${run.stderr || run.error?.message}`);
  return run.stdout;
}

const rendered = new Map<Overlay, K8s[]>();
function objects(overlay: Overlay): K8s[] {
  const all = rendered.get(overlay);
  if (!all) throw new Error(`${overlay} was not rendered`);
  return all;
}
const ofKind = (overlay: Overlay, kind: string): K8s[] => objects(overlay).filter((o) => o.kind === kind);
function named(overlay: Overlay, kind: string, name: string): K8s {
  const found = ofKind(overlay, kind).find((o) => o.metadata.name === name);
  if (!found) throw new Error(`${overlay}: no ${kind} ${name}`);
  return found;
}
/** Every workload's pod spec: Deployments and Jobs. */
const workloads = (overlay: Overlay): K8s[] => objects(overlay).filter((o) => o.kind === 'Deployment' || o.kind === 'Job');
const podOf = (o: K8s): PodSpec => o.spec!.template!.spec;
const containersOf = (o: K8s): Container[] => [...(podOf(o).initContainers ?? []), ...podOf(o).containers];

/** The environment a container starts with: the image's, then envFrom ConfigMaps, then env; secrets by reference. */
function environment(
  overlay: Overlay,
  c: Container,
): { values: Record<string, string>; secrets: Map<string, { name: string; key: string }> } {
  const values: Record<string, string> = { ...IMAGE_ENV };
  const secrets = new Map<string, { name: string; key: string }>();
  for (const source of c.envFrom ?? []) {
    if (source.secretRef) throw new Error(`${c.name}: envFrom a Secret hides which variables it sets; reference each key`);
    Object.assign(values, named(overlay, 'ConfigMap', source.configMapRef!.name).data ?? {});
  }
  for (const e of c.env ?? []) {
    if (e.value !== undefined) values[e.name] = e.value;
    else if (e.valueFrom?.secretKeyRef) secrets.set(e.name, e.valueFrom.secretKeyRef);
    else if (e.valueFrom?.configMapKeyRef) values[e.name] = named(overlay, 'ConfigMap', e.valueFrom.configMapKeyRef.name).data![e.name]!;
  }
  return { values, secrets };
}

/** Example values for the secrets a container references (never in the manifests). */
function exampleSecrets(values: Record<string, string>): Record<string, string> {
  return {
    DATABASE_URL: 'postgres://clearway_app:example@db.example.internal:5432/clearway',
    SECRETS_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    CLEARWAY_CLIENTS: JSON.stringify([{ id: values.MQ_CLIENT_ID ?? 'bank-a', secret: 'example-secret-123', scopes: ['payments:read'] }]),
    AMQP_URL: 'amqps://clearway:example@mq.example.internal:5671/payments',
  };
}

const gateways = (overlay: Overlay): K8s[] => ofKind(overlay, 'Deployment');
const gatewayContainer = (d: K8s): Container => podOf(d).containers.find((c) => c.name === 'gateway')!;

beforeAll(() => {
  // Kustomize v2 (Debian bookworm's kubectl 1.20) refuses these manifests or renders them wrong (deletes ignored)
  const version = /^Kustomize Version: v?(\d+)\S*/m.exec(kubectl(['version', '--client']));
  if (!version || Number(version[1]) < 5) {
    throw new Error(
      `kubectl's Kustomize is ${version?.[0] ?? 'unknown (kubectl before 1.24 does not report it)'}: deploy/kubernetes needs Kustomize v5 (kubectl 1.27 or later)`,
    );
  }
  for (const overlay of OVERLAYS) {
    const text = kubectl(['kustomize', `deploy/kubernetes/overlays/${overlay}`]);
    const docs = parseAllDocuments(text);
    for (const d of docs) if (d.errors.length > 0) throw new Error(`${overlay}: ${d.errors[0]!.message}`);
    rendered.set(
      overlay,
      docs.map((d) => d.toJS() as K8s).filter((o) => o !== null),
    );
  }
});

describe('deploy/kubernetes: the generated configuration', () => {
  it('base/gateway.env is what node scripts/kube-config.ts renders from the configuration schema (--check)', () => {
    const run = spawnSync(process.execPath, ['scripts/kube-config.ts', '--check'], { cwd: ROOT, encoding: 'utf8' });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: expect.stringContaining('matches the schema') });
  });
});

describe.each(OVERLAYS)('deploy/kubernetes/overlays/%s (kubectl kustomize)', (overlay) => {
  it('renders workloads in the namespace clearway, each on the image set by `images:`', () => {
    expect(workloads(overlay).length).toBeGreaterThan(0);
    for (const o of objects(overlay)) expect(`${o.kind}/${o.metadata.name}: ${o.metadata.namespace}`).toMatch(/: clearway$/);
    for (const w of workloads(overlay))
      for (const c of containersOf(w)) expect(`${w.metadata.name}/${c.name}: ${c.image}`).toMatch(`: ${IMAGE}`);
  });

  it('every container runs as uid 1000, non-root, read-only root filesystem, no privilege escalation, ALL capabilities dropped, RuntimeDefault seccomp, /tmp on an emptyDir', () => {
    for (const w of workloads(overlay)) {
      const pod = podOf(w);
      expect(pod.hostNetwork ?? false).toBe(false);
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
      for (const c of containersOf(w)) {
        const where = `${w.kind}/${w.metadata.name}/${c.name}`;
        expect({ where, ...c.securityContext }).toMatchObject({
          where,
          runAsNonRoot: true,
          runAsUser: 1000,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(c.securityContext?.privileged ?? false).toBe(false);
        expect(c.securityContext?.capabilities?.add ?? []).toEqual([]);
        const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
        expect({ where, tmp: pod.volumes?.find((v) => v.name === tmp?.name)?.emptyDir !== undefined }).toEqual({ where, tmp: true });
      }
    }
  });

  it('gateways are probed as docs/operations.md says: startup and liveness GET /health/live, readiness GET /health/ready, never /health/dependencies', () => {
    expect(gateways(overlay).length).toBeGreaterThan(0);
    for (const d of gateways(overlay)) {
      const c = gatewayContainer(d);
      expect(c.startupProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(c.livenessProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(c.readinessProbe?.httpGet).toEqual({ path: '/health/ready', port: 'http' });
      expect(c.ports).toEqual(
        expect.arrayContaining([
          { name: 'http', containerPort: 8080 },
          { name: 'metrics', containerPort: 9464 },
        ]),
      );
    }
    expect(JSON.stringify(objects(overlay))).not.toContain('/health/dependencies');
  });

  it('gateways get time to drain (terminationGracePeriodSeconds over the preStop pause and the 10 s job drain) and the memory of ADR 0013', () => {
    for (const d of gateways(overlay)) {
      const c = gatewayContainer(d);
      const pause = Number(c.lifecycle?.preStop?.exec?.command.at(-1) ?? 0);
      expect(podOf(d).terminationGracePeriodSeconds).toBeGreaterThanOrEqual(pause + 10 + 5);
      // the image's --max-old-space-size=512 (not replaced here) plus the rest of the process fit under the limit
      expect(environment(overlay, c).values.NODE_OPTIONS).toBeUndefined();
      expect(c.resources?.limits?.memory).toBe('768Mi');
      expect(c.resources?.requests).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
    }
  });

  it('ships no Secret: secrets are referenced by name and key, never put in the ConfigMap', () => {
    expect(ofKind(overlay, 'Secret')).toEqual([]);
    for (const cm of ofKind(overlay, 'ConfigMap')) {
      for (const key of Object.keys(cm.data ?? {})) expect(SECRET_VARIABLES).not.toContain(key);
    }
    for (const w of workloads(overlay)) {
      for (const c of containersOf(w)) {
        for (const [name, ref] of environment(overlay, c).secrets) {
          expect(SECRET_VARIABLES).toContain(name);
          expect(ref.key).toBe(name);
          expect(['clearway', 'clearway-migrate']).toContain(ref.name);
        }
      }
    }
  });

  it('every variable the manifests set (ConfigMap keys, env names) is a variable of the configuration schema', () => {
    const used = new Set<string>();
    for (const cm of ofKind(overlay, 'ConfigMap')) for (const key of Object.keys(cm.data ?? {})) used.add(key);
    for (const w of workloads(overlay)) for (const c of containersOf(w)) for (const e of c.env ?? []) used.add(e.name);
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((name) => !VARIABLE_NAMES.includes(name))).toEqual([]);
  });

  it("each gateway's environment, with example secrets, passes the gateway's own configuration loader", () => {
    for (const d of gateways(overlay)) {
      const { values, secrets } = environment(overlay, gatewayContainer(d));
      const examples = exampleSecrets(values);
      const env = { ...values, ...Object.fromEntries([...secrets.keys()].map((name) => [name, examples[name]!])) };
      const config = loadConfiguration(env);
      expect(config.runtime.production).toBe(true);
      expect(config.server.metricsPort).toBe(9464);
      expect(config.host.transport).toBe('amqp');
    }
  });

  it('has a NetworkPolicy set (deny by default; in from the ingress controller to 8080 and from monitoring to 9464; out to DNS and RabbitMQ) and a ServiceMonitor on the metrics port', () => {
    const policies = ofKind(overlay, 'NetworkPolicy');
    const deny = named(overlay, 'NetworkPolicy', 'clearway-default-deny').spec!;
    expect(deny).toMatchObject({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'clearway' } },
      policyTypes: ['Ingress', 'Egress'],
    });
    expect(deny.ingress ?? []).toEqual([]);
    expect(deny.egress ?? []).toEqual([]);
    const ingress = named(overlay, 'NetworkPolicy', 'clearway-ingress').spec!.ingress!;
    const from = (ns: string) =>
      ingress
        .filter((r) => r.from?.some((f) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === ns))
        .flatMap((r) => r.ports!.map((p) => p.port));
    expect({ ingressNginx: from('ingress-nginx'), monitoring: from('monitoring'), rules: ingress.length }).toEqual({
      ingressNginx: [8080],
      monitoring: [9464],
      rules: 2,
    });
    const egressPorts = policies.flatMap((p) => p.spec!.egress ?? []).flatMap((r) => (r.ports ?? []).map((p) => `${p.protocol}/${p.port}`));
    expect(egressPorts).toEqual(expect.arrayContaining(['UDP/53', 'TCP/53', 'TCP/5671', 'TCP/5672']));
    // every egress rule names its destination and ports: nothing is open to everywhere
    for (const rule of policies.flatMap((p) => p.spec!.egress ?? [])) {
      expect(rule.to?.length).toBeGreaterThan(0);
      expect(rule.ports?.length).toBeGreaterThan(0);
    }

    const [monitor, ...others] = ofKind(overlay, 'ServiceMonitor');
    expect(others).toEqual([]);
    expect(monitor!.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor!.spec!.endpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics' })]);
    const selected = ofKind(overlay, 'Service').filter((s) =>
      Object.entries(monitor!.spec!.selector!.matchLabels!).every(([k, v]) => s.metadata.labels?.[k] === v),
    );
    expect(selected.length).toBeGreaterThan(0);
    for (const s of selected)
      expect(s.spec!.ports).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'metrics', port: 9464 })]));
  });

  it('has an Ingress with TLS to the API Service', () => {
    const [ingress, ...others] = ofKind(overlay, 'Ingress');
    expect(others).toEqual([]);
    expect(ingress!.spec!.tls).toEqual([{ hosts: [ingress!.spec!.rules![0]!.host], secretName: 'clearway-tls' }]);
    const backend = ingress!.spec!.rules![0]!.http.paths[0]!.backend.service;
    expect(backend).toEqual({ name: 'clearway-api', port: { name: 'http' } });
    expect(named(overlay, 'Service', 'clearway-api').spec!.ports).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'http', port: 8080 })]),
    );
  });
});

describe('deploy/kubernetes/overlays/postgres: several processes on PostgreSQL and RabbitMQ', () => {
  const overlay = 'postgres';

  it('runs an API Deployment (ROLE=api) and a worker Deployment (ROLE=worker), both STORE=postgres and DATABASE_MIGRATE=false', () => {
    const roles = Object.fromEntries(
      gateways(overlay).map((d) => {
        const { values, secrets } = environment(overlay, gatewayContainer(d));
        return [
          d.metadata.name,
          { ROLE: values.ROLE, STORE: values.STORE, DATABASE_MIGRATE: values.DATABASE_MIGRATE, secrets: [...secrets.keys()].sort() },
        ];
      }),
    );
    const secrets = ['AMQP_URL', 'CLEARWAY_CLIENTS', 'DATABASE_URL', 'SECRETS_ENCRYPTION_KEY'];
    expect(roles).toEqual({
      'clearway-api': { ROLE: 'api', STORE: 'postgres', DATABASE_MIGRATE: 'false', secrets },
      'clearway-worker': { ROLE: 'worker', STORE: 'postgres', DATABASE_MIGRATE: 'false', secrets },
    });
    expect(named(overlay, 'Deployment', 'clearway-api').spec!.strategy).toMatchObject({ type: 'RollingUpdate' });
  });

  it('migrates in one Job (clearway migrate) with the owner credentials of the Secret clearway-migrate', () => {
    const job = named(overlay, 'Job', 'clearway-migrate');
    const [c, ...others] = podOf(job).containers;
    expect(others).toEqual([]);
    expect(c!.command).toEqual(['node', 'dist/apps/cli/src/main.js', 'migrate']);
    const { values, secrets } = environment(overlay, c!);
    expect(values.STORE).toBe('postgres');
    expect(values.DATABASE_SCHEMA).toBeDefined();
    expect(Object.fromEntries(secrets)).toEqual({ DATABASE_URL: { name: 'clearway-migrate', key: 'DATABASE_URL' } });
    // nothing else migrates: no init container anywhere
    for (const d of gateways(overlay)) expect(podOf(d).initContainers ?? []).toEqual([]);
  });

  it('scales each role on CPU (HorizontalPodAutoscaler) and keeps each through a drain (PodDisruptionBudget)', () => {
    for (const role of ['api', 'worker']) {
      const hpa = named(overlay, 'HorizontalPodAutoscaler', `clearway-${role}`).spec!;
      expect(hpa.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: `clearway-${role}` });
      expect(hpa.metrics).toEqual([expect.objectContaining({ type: 'Resource', resource: expect.objectContaining({ name: 'cpu' }) })]);
      expect(hpa.minReplicas).toBeGreaterThanOrEqual(2);
      const pdb = named(overlay, 'PodDisruptionBudget', `clearway-${role}`).spec!;
      expect(pdb).toMatchObject({ maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/component': role } } });
    }
    // connections: every process holds up to DATABASE_POOL_SIZE (default 10) + 1; stay below max_connections 100
    const most = ofKind(overlay, 'HorizontalPodAutoscaler').reduce((n, h) => n + h.spec!.maxReplicas!, 0);
    expect(most * 11).toBeLessThan(100);
  });

  it('lets the pods reach PostgreSQL on 5432', () => {
    const ports = named(overlay, 'NetworkPolicy', 'clearway-egress-postgres').spec!.egress!.flatMap((r) => r.ports!.map((p) => p.port));
    expect(ports).toEqual([5432]);
  });
});

describe('deploy/kubernetes/overlays/embedded-single: one process on the embedded store', () => {
  const overlay = 'embedded-single';

  it('runs one Deployment, one replica, ROLE=all, STORE=embedded, recreated (never two pods on the database)', () => {
    const [d, ...others] = gateways(overlay);
    expect(others).toEqual([]);
    expect(d!.spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
    const { values, secrets } = environment(overlay, gatewayContainer(d!));
    expect({ ROLE: values.ROLE, STORE: values.STORE, DATABASE_MIGRATE: values.DATABASE_MIGRATE }).toEqual({
      ROLE: 'all',
      STORE: 'embedded',
      DATABASE_MIGRATE: undefined,
    });
    expect([...secrets.keys()].sort()).toEqual(['AMQP_URL', 'CLEARWAY_CLIENTS']);
  });

  it('keeps DATA_DIR (/data) on a ReadWriteOnce PersistentVolumeClaim', () => {
    const d = gateways(overlay)[0]!;
    const mount = gatewayContainer(d).volumeMounts!.find((m) => m.mountPath === '/data')!;
    const volume = podOf(d).volumes!.find((v) => v.name === mount.name)!;
    expect(volume.emptyDir).toBeUndefined();
    const claim = named(overlay, 'PersistentVolumeClaim', volume.persistentVolumeClaim!.claimName);
    expect(claim.spec!.accessModes).toEqual(['ReadWriteOnce']);
    expect(environment(overlay, gatewayContainer(d)).values.DATA_DIR).toBe('/data');
  });

  it('has no autoscaler, disruption budget, migration Job or PostgreSQL egress', () => {
    expect(ofKind(overlay, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(ofKind(overlay, 'PodDisruptionBudget')).toEqual([]);
    expect(ofKind(overlay, 'Job')).toEqual([]);
    expect(ofKind(overlay, 'NetworkPolicy').map((p) => p.metadata.name)).not.toContain('clearway-egress-postgres');
  });
});
