// SPDX-License-Identifier: Apache-2.0
/** cdk-nag's AwsSolutions checks: no unsuppressed error or warning, in one region and in two (with Cognito). */
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { aws_sqs as sqs, type Stack } from 'aws-cdk-lib';
import { synth, TWO_REGIONS } from './synth.js';

function findings(stack: Stack): string[] {
  const a = Annotations.fromStack(stack);
  return [
    ...a.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ...a.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
  ].map((m) => `${m.id}: ${String(m.entry.data).split('\n')[0]}`);
}

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing unsuppressed with no context', () => {
    const s = synth({}, { nag: true });
    s.app.synth();
    for (const stack of s.regions) expect(findings(stack)).toEqual([]);
  });

  it('finds nothing unsuppressed with two regions, DNS failover and Cognito', () => {
    const s = synth(TWO_REGIONS, { nag: true });
    s.app.synth();
    for (const stack of [...s.keys, ...s.regions]) expect(findings(stack)).toEqual([]);
  });

  it('does report a finding (the check is not vacuous): a queue without DLQ and SSL enforcement', () => {
    const s = synth({}, { nag: true });
    new sqs.Queue(s.regions[0], 'Unchecked');
    s.app.synth();
    expect(findings(s.regions[0]).join('\n')).toMatch(/Unchecked\/Resource: AwsSolutions-SQS3/);
  });
});
