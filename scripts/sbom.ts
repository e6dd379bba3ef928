// SPDX-License-Identifier: Apache-2.0
/**
 * The image's software bill of materials: CycloneDX (JSON) from package-lock.json, the runtime dependencies only
 * (what deploy/Dockerfile keeps after `npm prune --omit=dev`), with npm's own `npm sbom`. `npm sbom --omit=dev`
 * (npm 11.19) leaves out runtime packages that dev packages also depend on (@nestjs/core, fastify, ...), so the
 * whole lockfile's SBOM is taken and cut to the runtime tree `npm ls --omit=dev --all` reports. Checks that every
 * dependency of package.json is in it, with a version and a purl, and says which components declare no licence.
 *
 *   node scripts/sbom.ts [file]      # default sbom.cdx.json; CI (.ci/run) runs it
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Component {
  name: string;
  group?: string;
  version?: string;
  purl?: string;
  licenses?: unknown[];
}

const ROOT = join(import.meta.dirname, '..');
const out = process.argv[2] ?? join(ROOT, 'sbom.cdx.json');
const npm = (args: string[]) => execFileSync('npm', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
interface Tree {
  version?: string;
  dependencies?: Record<string, Tree>;
}
/** name@version of every package in the runtime tree. */
const runtime = new Set<string>();
const walk = (deps: Record<string, Tree> = {}) => {
  for (const [name, node] of Object.entries(deps)) {
    if (node.version === undefined) continue; // an optional peer that is not installed
    const key = `${name}@${node.version}`;
    if (runtime.has(key)) continue;
    runtime.add(key);
    walk(node.dependencies);
  }
};
walk((JSON.parse(npm(['ls', '--omit=dev', '--all', '--json', '--package-lock-only'])) as Tree).dependencies);
const bom = JSON.parse(npm(['sbom', '--sbom-format=cyclonedx', '--package-lock-only'])) as {
  bomFormat: string;
  specVersion: string;
  components: Array<Component & { 'bom-ref'?: string }>;
  dependencies?: Array<{ ref: string; dependsOn?: string[] }>;
};
const nameOf = (c: Component) => (c.group ? `${c.group}/${c.name}` : c.name);
bom.components = bom.components.filter((c) => runtime.has(`${nameOf(c)}@${c.version}`));
const refs = new Set(bom.components.map((c) => c['bom-ref']));
if (bom.dependencies) {
  bom.dependencies = bom.dependencies
    .filter((d) => refs.has(d.ref) || !d.ref.includes('@') || d.ref.startsWith('clearway@'))
    .map((d) => ({ ...d, dependsOn: (d.dependsOn ?? []).filter((r) => refs.has(r)) }));
}
const text = `${JSON.stringify(bom, null, 2)}\n`;
if (bom.bomFormat !== 'CycloneDX') throw new Error(`npm sbom did not write CycloneDX (bomFormat ${bom.bomFormat})`);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
};
const names = new Set(bom.components.map(nameOf));
const missing = Object.keys(pkg.dependencies).filter((d) => !names.has(d));
const incomplete = bom.components.filter((c) => !c.version || !c.purl).map((c) => c.name);
if (missing.length > 0 || incomplete.length > 0) {
  console.error(
    `sbom: dependencies missing: ${missing.join(', ') || 'none'}; components without version or purl: ${incomplete.join(', ') || 'none'}`,
  );
  process.exit(1);
}
writeFileSync(out, text);
const unlicensed = bom.components
  .filter((c) => !c.licenses || c.licenses.length === 0)
  .map((c) => `${c.group ? `${c.group}/` : ''}${c.name}@${c.version}`);
console.log(
  `sbom: CycloneDX ${bom.specVersion} for ${pkg.name} ${pkg.version}: ${bom.components.length} runtime components (all ${Object.keys(pkg.dependencies).length} direct dependencies), written to ${out}` +
    (runtime.size !== bom.components.length ? ` (npm ls lists ${runtime.size})` : '') +
    (unlicensed.length ? `; no licence declared by ${unlicensed.join(', ')}` : ''),
);
