// SPDX-License-Identifier: Apache-2.0
/**
 * The CPU of a gateway process by pipeline stage, from a V8 CPU profile (`node --cpu-prof`): each sample is
 * given to the first stage (in the order below) that has a frame on its stack, so a store call made by the
 * release step counts as store, and a pacs.002 built inside a save counts as report.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const STAGES: ReadonlyArray<[string, RegExp]> = [
  ['store', /libs\/adapters\/embedded\//],
  ['report (pacs.002)', /status-report\.writer|answer\.writer|pacs002\.writer/],
  ['parse + validate', /libs\/iso20022\/|libxml2-wasm|^wasm:/],
  ['release (host call)', /release-payment|http-host|legacy-host|host-delivery|host-answers|undici/],
  ['process (rules)', /process-payment|business-rules|hold-policy|screening/],
  ['intake', /submit-payment|intake\/|inbox\.controller/],
  [
    'HTTP + auth',
    /fastify|@nestjs\/platform-fastify|@nestjs\/core\/router|auth\/|jose|passport|jsonwebtoken|crypto|http\/edge|node:_http|node:net|_http_/,
  ],
  ['worker loop + queue', /apps\/gateway\/src\/worker|@nestjs\/cqrs/],
  ['start-up (modules)', /modules\/esm|modules\/cjs|compileSourceTextModule|wrapSafe/],
];

/** Microseconds per payment by stage (plus GC, idle and other), for a run of `payments` payments. */
export function stageBreakdown(profile: CpuProfile, payments: number): Array<[string, number]> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stageOf = new Map<number, string>();
  const classify = (id: number): string => {
    const known = stageOf.get(id);
    if (known) return known;
    const frames: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)!.callFrame;
      frames.push(`${f.url} ${f.functionName}`);
    }
    const leaf = byId.get(id)!.callFrame.functionName;
    let stage = leaf === '(idle)' ? 'idle' : leaf === '(garbage collector)' ? 'garbage collector' : 'other';
    if (stage === 'other') {
      for (const [name, re] of STAGES) {
        if (frames.some((f) => re.test(f.replace(/^node:internal\/deps\//, '')))) {
          stage = name;
          break;
        }
      }
    }
    stageOf.set(id, stage);
    return stage;
  };
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const stage = classify(id);
    totals.set(stage, (totals.get(stage) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const order = [...STAGES.map(([n]) => n), 'garbage collector', 'other', 'idle'];
  return order.filter((s) => totals.has(s)).map((s) => [s, totals.get(s)! / payments]);
}
