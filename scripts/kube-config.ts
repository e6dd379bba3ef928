// SPDX-License-Identifier: Apache-2.0
/**
 * `node scripts/kube-config.ts`: writes deploy/kubernetes/base/gateway.env, the env file the Kustomize base turns
 * into the ConfigMap `clearway-config` (configMapGenerator), from the configuration schema
 * (apps/gateway/src/config/variables.ts).
 *
 * Every variable that is not a secret is listed with its documentation, commented out with its default (or an
 * example), as in deploy/systemd/gateway.env.example; the few values a Kubernetes deployment sets (KUBERNETES
 * below) are uncommented, and each is checked against the schema. Secrets (SECRET_VARIABLES) are left out: the
 * Deployments take them from Secrets by reference (deploy/kubernetes/README.md).
 *
 * `node scripts/kube-config.ts --check` writes nothing and exits 1 when the file differs from what the schema gives,
 * when a value below is refused by the schema, or when a variable whose name looks like a secret is classified
 * neither way (test/deploy/kustomize.int-spec.ts runs it, so CI fails on drift).
 *
 * Runs on Node 24's type stripping, without a build: the schema module imports nothing but zod.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Schema from '../apps/gateway/src/config/variables.js';

type Doc = ReturnType<typeof Schema.variableDocs>[number];

/** Variables that hold secrets: never in the ConfigMap; the manifests reference them in Secrets. */
export const SECRET_VARIABLES: readonly string[] = [
  'CLEARWAY_CLIENTS',
  'DATABASE_URL',
  'SECRETS_ENCRYPTION_KEY',
  'AMQP_URL',
  'SCREENING_AUTH_HEADER',
  'OTEL_EXPORTER_OTLP_HEADERS',
];

/**
 * Variables whose names look like secrets (LOOKS_SECRET) but hold none: file paths, names of secret-store entries,
 * URLs the schema refuses with credentials in them, settings of the secret store.
 */
const NOT_SECRET: readonly string[] = [
  'HEADERS_TIMEOUT_MS',
  'TLS_KEY_FILE',
  'TOKEN_TTL_SECONDS',
  'AUTH_JWKS_URL',
  'LEGACY_HOST_URL',
  'LEGACY_HOST_AUTH_SECRET',
  'HOST_TLS_KEY_FILE',
  'AMQP_TLS_KEY_FILE',
  'SECRETS',
  'DATABASE_SSL_KEY_FILE',
  'SECRETS_ENCRYPTION_KEY_FILE',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_ENDPOINT_URL_S3',
  'AWS_ENDPOINT_URL_SECRETS_MANAGER',
  'SQS_QUEUE_URL',
  'SQS_DLQ_URL',
  'SECRETS_PREFIX',
  'SECRETS_CACHE_SECONDS',
  'SCREENING_URL',
  'PEER_DYNAMODB_ENDPOINTS',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
];

/** A name that may hold a secret: it must be in SECRET_VARIABLES or NOT_SECRET, so a new one is decided, not guessed. */
const LOOKS_SECRET = /SECRET|PASSWORD|TOKEN|CLIENTS|HEADER|KEY|URL|ENDPOINT|CREDENTIAL/;

/**
 * What the Kustomize base sets for every process (ROLE is set per Deployment, not here): the image's own settings
 * made explicit, the metrics listener the ServiceMonitor scrapes, JSON logs, and the PostgreSQL store with RabbitMQ
 * in front of the legacy host. Only one process migrates: the Job `clearway-migrate`, so DATABASE_MIGRATE=false.
 */
export const KUBERNETES: ReadonlyArray<readonly [name: string, value: string]> = [
  ['NODE_ENV', 'production'],
  ['PORT', '8080'],
  ['HOST', '0.0.0.0'],
  ['METRICS_PORT', '9464'],
  ['HOST_TRANSPORT', 'amqp'],
  ['DATA_DIR', '/data'],
  ['STORE', 'postgres'],
  ['DATABASE_MIGRATE', 'false'],
  ['LOG_FORMAT', 'json'],
];

/** The checkout's root: the nearest folder up with package.json and tsconfig.build.json. */
function findRoot(from: string): string {
  let dir = from;
  while (!(existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'tsconfig.build.json')))) {
    const up = resolve(dir, '..');
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
  return dir;
}

const ROOT = findRoot(import.meta.dirname);
const TARGET = join(ROOT, 'deploy/kubernetes/base/gateway.env');

function wrap(text: string, width: number, prefix: string): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && prefix.length + line.length + 1 + word.length > width) {
      out.push(prefix + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') out.push(prefix + line);
  return out;
}

const plain = (markdown: string): string => markdown.replace(/`/g, '');
const descriptive = (d: string | undefined): boolean => d !== undefined && d.startsWith('(');

/** Problems with the classification and the values above; empty when all is well. */
export function problems(docs: Doc[], schema: typeof Schema): string[] {
  const names = new Set(docs.map((d) => d.name));
  const out: string[] = [];
  for (const name of [...SECRET_VARIABLES, ...NOT_SECRET, ...KUBERNETES.map(([n]) => n)]) {
    if (!names.has(name)) out.push(`${name} is not a variable of the configuration schema`);
  }
  for (const { name } of docs) {
    if (LOOKS_SECRET.test(name) && !SECRET_VARIABLES.includes(name) && !NOT_SECRET.includes(name)) {
      out.push(`${name} looks like it may hold a secret: add it to SECRET_VARIABLES or NOT_SECRET in scripts/kube-config.ts`);
    }
  }
  const shape = schema.envSchema.shape as Record<string, { safeParse(v: unknown): { success: boolean; error?: { message: string } } }>;
  for (const [name, value] of KUBERNETES) {
    if (SECRET_VARIABLES.includes(name)) out.push(`${name} is a secret: it cannot be set in the ConfigMap`);
    const parsed = shape[name]?.safeParse(value);
    if (parsed && !parsed.success) out.push(`${name}=${value} is refused by the schema`);
  }
  return out;
}

/** The env file: every non-secret variable, documented; the KUBERNETES values set. */
export function gatewayEnv(docs: Doc[], namespaces: Record<string, string>): string {
  const set = new Map(KUBERNETES);
  const lines = [
    '# Environment of every Clearway process in the Kustomize base: the ConfigMap clearway-config (configMapGenerator).',
    '# GENERATED by `node scripts/kube-config.ts` from apps/gateway/src/config/variables.ts: edit the schema or the',
    '# script, not this file. Overlays change values with a configMapGenerator of the same name (behavior: merge).',
    '#',
    '# Format: KEY=value, one per line, comments on lines of their own (Kustomize env file; no quotes). A commented-out',
    '# line shows the default (or an example); uncommented lines are what the base sets. ROLE is set per Deployment.',
    ...wrap(
      `Secrets are not here: ${SECRET_VARIABLES.join(', ')} come from Secrets by reference (deploy/kubernetes/README.md).`,
      114,
      '# ',
    ),
  ];
  for (const [ns, what] of Object.entries(namespaces)) {
    const vars = docs.filter((d) => d.ns === ns && !SECRET_VARIABLES.includes(d.name));
    if (vars.length === 0) continue;
    const title = `# --- ${ns}: ${what} `;
    lines.push('', title + '-'.repeat(Math.max(3, 110 - title.length)));
    for (const v of vars) {
      const dflt = v.default === undefined ? 'unset' : v.default === '' ? 'empty' : v.default;
      lines.push('', ...wrap(`${plain(v.doc)}. Default: ${plain(dflt)}.`, 110, '# '));
      const value = set.get(v.name);
      if (value !== undefined) lines.push(`${v.name}=${value}`);
      else {
        // the env file has no quoting: the systemd example's single quotes would become part of the value
        const shown = v.example ?? (v.default !== undefined && !descriptive(v.default) ? v.default : '');
        lines.push(`#${v.name}=${shown.replace(/^'(.*)'$/, '$1')}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const schema = (await import(pathToFileURL(join(ROOT, 'apps/gateway/src/config/variables.ts')).href)) as typeof Schema;
  const docs = schema.variableDocs();
  const found = problems(docs, schema);
  if (found.length > 0) {
    console.error(`kube-config: ${found.join('; ')}`);
    process.exit(1);
  }
  const wanted = gatewayEnv(docs, schema.NAMESPACES);
  const stale = !existsSync(TARGET) || readFileSync(TARGET, 'utf8') !== wanted;
  const shown = TARGET.slice(ROOT.length + 1);
  if (check) {
    if (stale) {
      console.error(`kube-config: ${shown} is out of date with the configuration schema; run node scripts/kube-config.ts`);
      process.exit(1);
    }
    console.error(`kube-config: ${shown} matches the schema (${docs.length - SECRET_VARIABLES.length} variables)`);
    return;
  }
  if (stale) writeFileSync(TARGET, wanted);
  console.error(`kube-config: ${stale ? `wrote ${shown}` : 'nothing to change'} (${docs.length - SECRET_VARIABLES.length} variables)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
