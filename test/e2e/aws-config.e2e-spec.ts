// SPDX-License-Identifier: Apache-2.0
/**
 * Selection by configuration fails fast: a gateway told to use an AWS adapter without the settings it needs
 * stops at once (exit code 2) with a message naming the missing setting, before it listens or touches AWS.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, tempDir } from '../support/processes.js';

function runGateway(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/apps/gateway/src/main.js')], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: '0', DATA_DIR: tempDir('awscfg'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

it.each([
  [{ STORE: 'dynamodb' }, 'AWS_REGION is required when an adapter runs on AWS'],
  [{ STORE: 'dynamodb', AWS_REGION: 'eu-central-1' }, 'DYNAMODB_TABLE is required when STORE=dynamodb'],
  [
    { STORE: 'dynamodb', QUEUE: 'sqs', AWS_REGION: 'eu-central-1', DYNAMODB_TABLE: 't' },
    'SQS_QUEUE_URL (or SQS_QUEUE_NAME) is required when QUEUE=sqs',
  ],
  [{ ARCHIVE: 's3', AWS_REGION: 'eu-central-1' }, 'S3_BUCKET is required when ARCHIVE=s3'],
  [{ QUEUE: 'sqs', AWS_REGION: 'eu-central-1' }, 'QUEUE=sqs needs STORE=dynamodb'],
])('refuses to start with %j, naming the missing setting', async (env, message) => {
  const { code, stderr } = await runGateway(env);
  expect(code).toBe(2);
  expect(stderr).toContain(`clearway: configuration error: ${message}`);
});
