// SPDX-License-Identifier: Apache-2.0
/**
 * The CDK app: `npm run cdk:synth` (offline, into deploy/aws-cdk/cdk.out) or `npx cdk synth|deploy` from
 * deploy/aws-cdk (cdk.json). Node runs this file with its type stripping; register-ts.js resolves the `.js`
 * imports to the `.ts` sources.
 */
import { App } from 'aws-cdk-lib';
import { fileURLToPath } from 'node:url';
import { buildClearway } from '../lib/app.js';

const app = new App({
  outdir: process.env.CDK_OUTDIR ?? fileURLToPath(new URL('../cdk.out', import.meta.url)),
  // the cdk CLI's account (a -c account=... given to the CLI wins over it)
  ...(process.env.CDK_DEFAULT_ACCOUNT ? { context: { account: process.env.CDK_DEFAULT_ACCOUNT } } : {}),
});
const { regions, keys } = buildClearway(app, { nag: process.env.CLEARWAY_CDK_NAG !== 'false' });
app.synth();
console.error(`clearway cdk: synthesised ${[...keys, ...regions].map((s) => s.stackName).join(', ')} into ${app.outdir}`);
