// SPDX-License-Identifier: Apache-2.0
/**
 * On the AWS adapters (DynamoDB Local, fauxqs SQS FIFO and S3, the Secrets Manager fake) GET /metrics counts what
 * the gateway asks of AWS: requests by service and operation, and the DynamoDB capacity units the table reported
 * (ReturnConsumedCapacity). The series move when payments settle, and the bench's parser (`--profile aws`) reads
 * them back.
 */
import { awsCountsFromMetrics, difference, price, requestsOf } from '../bench/aws-cost.js';
import type { AwsEngines } from '../support/aws-engines.js';
import { startProvisionedAwsEngines } from '../support/aws-gateway.js';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { startGateway, startSimulator, tempDir, tokenFor, waitForTerminal, type NodeProcess } from '../support/processes.js';

let engines: AwsEngines;
let sim: NodeProcess;
let gateway: NodeProcess;

beforeAll(async () => {
  const aws = await startProvisionedAwsEngines('metrics');
  engines = aws.engines;
  sim = await startSimulator();
  gateway = await startGateway({ ...aws.env, LEGACY_HOST_URL: sim.url, DATA_DIR: tempDir('aws-metrics') });
}, 180_000);

afterAll(async () => {
  await gateway?.kill();
  await sim?.kill();
  await engines?.stop();
});

it('counts AWS requests and DynamoDB capacity units, and they move when payments settle', async () => {
  const token = await tokenFor(gateway.url, 'bank-a');
  const monitor = await tokenFor(gateway.url, 'monitor');
  const scrape = async () => {
    const res = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${monitor}` } });
    expect(res.status).toBe(200);
    return res.text();
  };
  const before = awsCountsFromMetrics(await scrape());

  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${gateway.url}/v1/inbox`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml', authorization: `Bearer ${token}` },
      body: buildPacs008({}),
    });
    expect(res.status).toBe(202);
    ids.push(((await res.json()) as { transactionId: string }).transactionId);
  }
  for (const id of ids) expect((await waitForTerminal(gateway.url, token, id, 60_000)).status).toBe('ACSC');

  const text = await scrape();
  expect(text).toMatch(/^clearway_aws_requests_total\{service="dynamodb",operation="TransactWriteItems",outcome="ok"\} \d+$/m);
  expect(text).toMatch(/^clearway_dynamodb_consumed_capacity_units_total\{kind="write"\} [\d.]+$/m);
  const run = difference(awsCountsFromMetrics(text), before);
  // every payment: its state changes written to DynamoDB, its jobs through SQS, its messages archived in S3
  expect(run.requests.get('dynamodb TransactWriteItems') ?? 0).toBeGreaterThanOrEqual(3);
  expect(run.requests.get('s3 PutObject') ?? 0).toBeGreaterThanOrEqual(2 * 3); // the pacs.008 in, the pacs.002 out
  expect(requestsOf(run, 'sqs')).toBeGreaterThanOrEqual(3);
  expect(run.writeUnits).toBeGreaterThanOrEqual(3 * 2 * 2); // at least two transactional writes each (2 units per KB)
  expect(run.readUnits).toBeGreaterThan(0);
  expect(price(run).total).toBeGreaterThan(0n);
});
