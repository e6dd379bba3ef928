/** Dependencies point inwards only: domain <- iso20022/application <- adapters <- apps. */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'libs/domain is plain TypeScript: no framework, no I/O, no other layer.',
      severity: 'error',
      from: { path: '^libs/domain/' },
      to: { path: '^(libs/(iso20022|application|adapters)|apps)/|node_modules/@nestjs|^node:|^(fs|net|http|https|child_process)$' },
    },
    {
      name: 'iso20022-no-app-layers',
      severity: 'error',
      from: { path: '^libs/iso20022/' },
      to: { path: '^(libs/(application|adapters)|apps)/' },
    },
    {
      name: 'application-no-adapters',
      comment: 'The application talks to the outside only through its ports.',
      severity: 'error',
      from: { path: '^libs/application/' },
      to: { path: '^(libs/adapters|apps)/' },
    },
    {
      name: 'adapters-no-apps',
      severity: 'error',
      from: { path: '^libs/adapters/' },
      to: { path: '^apps/' },
    },
    {
      name: 'adapters-independent',
      comment: 'One adapter folder per technology; they do not import each other.',
      severity: 'error',
      from: { path: '^libs/adapters/([^/]+)/' },
      to: { path: '^libs/adapters/', pathNot: '^libs/adapters/$1/' },
    },
    {
      name: 'slices-independent',
      comment: "A use case never imports another use case's handler; shared helpers live under a name that says what they are.",
      severity: 'error',
      from: { path: '^libs/application/src/([^/]+)/' },
      to: { path: '^libs/application/src/[^/]+/[^/]+\\.handler\\.ts$', pathNot: '^libs/application/src/$1/' },
    },
    {
      name: 'sdk-only-in-adapters',
      comment: 'Only the adapter libraries talk to cloud SDKs and drivers; the apps bind ports to adapters.',
      severity: 'error',
      from: { path: '^(apps|libs/(domain|application|iso20022))/' },
      to: { path: 'node_modules/(@aws-sdk|amqplib)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^dist/|\\.spec\\.ts$|\\.int-spec\\.ts$)' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['types', 'import', 'default'], extensions: ['.ts', '.js'] },
    combinedDependencies: true,
  },
};
