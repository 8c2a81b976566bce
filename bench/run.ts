/**
 * The benchmark: `npm run bench`, or `npm run bench -- --json results.json`; `-- --smoke` runs a
 * shorter version of every scenario (about 30 s) that checks the benchmark works, its figures
 * rougher. Each scenario measures its own baseline in the same run, so the ratios hold on a noisy
 * machine.
 *
 * `npm run bench` first compiles lib/ and bench/ with tsc (bench/tsconfig.json, into
 * node_modules/.cache/rxgase-bench) and runs that: the code as the package ships it. Under tsx's
 * loader every imported name is read through a getter, which costs the codec about a third.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { Result } from './measure';
import { codec } from './scenarios/codec';
import { eventAck } from './scenarios/eventAck';
import { floodAck } from './scenarios/flood';
import type { ServerPlan } from './scenarios/server';
import { serverLoad } from './scenarios/server';
import { stateBytes } from './scenarios/state';

/** How long each scenario runs: the full benchmark, or the smoke test of it. */
interface Plan {
  readonly codecMs: number;
  readonly eventRounds: number;
  readonly server: ServerPlan;
  readonly stateMs: number;
  /** How long the players' acks are measured before the flood, and again during it. */
  readonly floodMs: number;
}

const FULL: Plan = {
  codecMs: 1000,
  eventRounds: 1000,
  server: {
    timing: { rampMs: 1000, warmupMs: 1000, measureMs: 3000, drainMs: 1000 },
    firstStep: 500,
    maxSteps: 8,
    ceilingMs: 2000,
  },
  stateMs: 5000,
  floodMs: 4000,
};

const SMOKE: Plan = {
  codecMs: 200,
  eventRounds: 100,
  server: {
    timing: { rampMs: 500, warmupMs: 500, measureMs: 1500, drainMs: 500 },
    firstStep: 500,
    maxSteps: 2,
    ceilingMs: 1000,
  },
  stateMs: 1500,
  floodMs: 1500,
};

type Scenario = (plan: Plan, progress: (line: string) => void) => Promise<Result | Result[]>;

const SCENARIOS: { name: string; run: Scenario }[] = [
  { name: 'codec', run: async (plan) => codec(plan.codecMs) },
  { name: 'e2e event ack', run: (plan) => eventAck(plan.eventRounds) },
  { name: 'server load', run: (plan, progress) => serverLoad(plan.server, progress) },
  { name: 'state bytes', run: (plan) => stateBytes(plan.stateMs) },
  { name: 'flood in a session', run: (plan) => floodAck(plan.floodMs) },
];

function format(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return n >= 1000 ? Math.round(n).toLocaleString('en') : n.toPrecision(3);
}

/** The results as a Markdown table, columns padded to line up. */
function table(results: readonly Result[]): string {
  const head = ['scenario', 'value', 'unit', 'baseline', 'ratio'];
  const rows = results.map((r) => [
    r.name,
    format(r.value),
    r.unit,
    format(r.baseline),
    r.ratio.toFixed(2),
  ]);
  const widths = head.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const line = (row: readonly string[]): string =>
    `| ${widths.map((width, i) => (row[i] ?? '').padEnd(width)).join(' | ')} |`;
  const rule = `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`;
  return [line(head), rule, ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const jsonAt = argv.indexOf('--json');
  const smoke = argv.includes('--smoke');
  // `--only flood` runs the scenarios whose names contain `flood`.
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? argv[onlyAt + 1] : undefined;
  const scenarios = SCENARIOS.filter(({ name }) => only === undefined || name.includes(only));
  const plan = smoke ? SMOKE : FULL;
  const results: Result[] = [];
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
  console.log(`rxgase benchmark${smoke ? ' (smoke)' : ''} on ${machine}`);
  const began = Date.now();
  for (const [i, scenario] of scenarios.entries()) {
    const prefix = `[${i + 1}/${scenarios.length}] ${scenario.name}`;
    console.log(`${prefix} ...`);
    const started = Date.now();
    const out = await scenario.run(plan, (line) => console.log(`    ${line}`));
    const list = Array.isArray(out) ? out : [out];
    results.push(...list);
    const summary = list.map((r) => `${r.name} ${format(r.value)} ${r.unit}`).join(', ');
    console.log(`${prefix} done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${summary}`);
  }
  console.log(`\n${table(results)}\n\n${((Date.now() - began) / 1000).toFixed(0)} s in all`);
  if (jsonAt >= 0) {
    const file = argv[jsonAt + 1];
    if (file === undefined) throw new Error('--json needs a file name');
    writeFileSync(file, JSON.stringify({ machine, smoke, results }, null, 2) + '\n');
    console.log(`written to ${file}`);
  }
}

main().then(
  () => process.exit(),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
