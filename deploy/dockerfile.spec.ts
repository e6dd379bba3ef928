// SPDX-License-Identifier: Apache-2.0
/**
 * The image's promises, checked on deploy/Dockerfile itself (no Docker engine runs in CI): a base pinned by digest,
 * OCI labels for version, revision and source, a non-root runtime that holds no test code, benchmark or npm.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dockerfile = readFileSync(join(import.meta.dirname, 'Dockerfile'), 'utf8');
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
const runtime = instructions.slice(instructions.findIndex((l) => /^FROM .* AS runtime$/.test(l)));

describe('deploy/Dockerfile', () => {
  it('pins its base by digest, and both stages use it', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-slim@sha256:[0-9a-f]{64}$/m);
    expect(instructions.filter((l) => l.startsWith('FROM '))).toEqual(['FROM ${NODE_IMAGE} AS build', 'FROM ${NODE_IMAGE} AS runtime']);
  });

  it('labels the image with its version, revision and source (OCI), from build arguments', () => {
    const labels = runtime.find((l) => l.startsWith('LABEL '))!;
    for (const key of ['title', 'licenses', 'version', 'revision', 'source']) expect(labels).toContain(`org.opencontainers.image.${key}=`);
    expect(labels).toContain('org.opencontainers.image.version="${VERSION}"');
    expect(labels).toContain('org.opencontainers.image.revision="${REVISION}"');
    expect(runtime).toEqual(expect.arrayContaining(['ARG VERSION=0.1.0', 'ARG REVISION=unknown']));
    // the label's default version is the package's
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(runtime).toContain(`ARG VERSION=${pkg.version}`);
  });

  it('runs as the unprivileged node user, with only the built code, production modules, schemas and licences', () => {
    expect(runtime.filter((l) => l.startsWith('USER '))).toEqual(['USER node']);
    expect(runtime.filter((l) => l.startsWith('COPY '))).toEqual([
      'COPY --from=build /app/package.json ./package.json',
      'COPY --from=build /app/node_modules ./node_modules',
      'COPY --from=build /app/dist ./dist',
      'COPY --from=build /app/config ./config',
      'COPY LICENSE NOTICE ./',
    ]);
    // dist/test (test support) and the developer-only aws-local script are removed before the runtime copies dist;
    // benchmarks never enter the build context's build
    const build = instructions.slice(0, instructions.indexOf(runtime[0]!));
    expect(build.some((l) => l.startsWith('RUN npm prune --omit=dev') && l.includes('rm -rf dist/test dist/scripts/aws-local.js'))).toBe(
      true,
    );
    expect(build.some((l) => /COPY test\/bench|COPY test /.test(l))).toBe(false);
    // npm is not in the runtime
    expect(runtime.some((l) => l.startsWith('RUN rm -rf /usr/local/lib/node_modules/npm'))).toBe(true);
  });
});
