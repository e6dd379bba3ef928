// SPDX-License-Identifier: Apache-2.0
/** Test support: synthesise the deployment offline with the given context (no account, no network). */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildClearway, type ClearwayStacks } from '../lib/app.js';

export interface Synthesised extends ClearwayStacks {
  app: App;
  template(stackIndex?: number): Template;
}

export function synth(context: Record<string, unknown> = {}, options: { nag?: boolean } = {}): Synthesised {
  const app = new App({ context });
  const stacks = buildClearway(app, options);
  const templates = new Map<number, Template>();
  return {
    ...stacks,
    app,
    template(i = 0) {
      if (!templates.has(i)) templates.set(i, Template.fromStack(stacks.regions[i]));
      return templates.get(i)!;
    },
  };
}

export const TWO_REGIONS = {
  regions: 'eu-west-1,eu-central-1',
  account: '111122223333',
  certificateArn: {
    'eu-west-1': 'arn:aws:acm:eu-west-1:111122223333:certificate/aaaaaaaa-1111-2222-3333-444444444444',
    'eu-central-1': 'arn:aws:acm:eu-central-1:111122223333:certificate/bbbbbbbb-1111-2222-3333-444444444444',
  },
  domainName: 'payments.example.com',
  hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  hostedZoneName: 'example.com',
  alarmEmail: 'ops@example.com',
  cognito: true,
};
