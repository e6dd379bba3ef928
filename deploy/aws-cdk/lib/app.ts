// SPDX-License-Identifier: Apache-2.0
/**
 * The stacks of a deployment. One region: `<Name>-<region>`. Two regions: `<Name>-<second>-key` (the second
 * region's KMS key, which the primary's table replica and secret replicas are encrypted with), then
 * `<Name>-<primary>` (the global table, the secrets, the primary's services), then `<Name>-<second>` (the second
 * region's services on the table's replica). `cdk deploy --all` deploys them in that order.
 */
import { Aspects, type App } from 'aws-cdk-lib';
import cdkNag from 'cdk-nag';
import { ClearwayStack, DataKeyStack } from './clearway-stack.js';
import { readSettings, type ClearwaySettings } from './settings.js';

export interface ClearwayStacks {
  settings: ClearwaySettings;
  regions: ClearwayStack[];
  keys: DataKeyStack[];
}

const stackName = (settings: ClearwaySettings, ...parts: string[]): string =>
  [settings.name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase()), ...parts].join('-');

/** Adds the deployment's stacks to `app`, configured from its context; with `nag`, cdk-nag's AwsSolutions checks. */
export function buildClearway(app: App, options: { nag?: boolean } = {}): ClearwayStacks {
  const settings = readSettings((key) => app.node.tryGetContext(key));
  const env = (region: string) => ({ region, ...(settings.account ? { account: settings.account } : {}) });
  const [primary, ...others] = settings.regions;
  const keys = others.map(
    (region) =>
      new DataKeyStack(app, stackName(settings, region, 'key'), {
        env: env(region),
        settings,
        description: `Clearway: the data key of ${region}`,
      }),
  );
  const first = new ClearwayStack(app, stackName(settings, primary), {
    settings,
    region: primary,
    description: `Clearway in ${primary}${others.length ? ' (primary: the global table and the secrets)' : ''}`,
  });
  for (const k of keys) first.addStackDependency(k);
  const rest = others.map((region, i) => {
    const stack = new ClearwayStack(app, stackName(settings, region), {
      settings,
      region,
      dataKey: keys[i].key,
      description: `Clearway in ${region} (secondary: the table replica of ${primary})`,
    });
    stack.addStackDependency(first);
    return stack;
  });
  if (options.nag) Aspects.of(app).add(new cdkNag.AwsSolutionsChecks({ verbose: true }));
  return { settings, regions: [first, ...rest], keys };
}
