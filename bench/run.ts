/**
 * The benchmark: `npm run bench`, or `npm run bench -- --json results.json`; `-- --smoke` runs a
 * shorter version of every scenario (about 30 s) that checks the benchmark works, its figures
 * rougher. Each scenario measures its own baseline in the same run, so the ratios hold on a noisy
 * machine. With `--backend <module>` it sizes a game's own server instead (see sizing.ts and
 * USAGE below).
 *
 * `npm run bench` first compiles lib/ and bench/ with tsc (bench/tsconfig.json, into
 * node_modules/.cache/rxgase-bench) and runs that: the code as the package ships it. Under tsx's
 * loader every imported name is read through a getter, which costs the codec about a third.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import type { GameEvent } from '../lib/index';
import { UsageError, countFlag, parseDemoArgs } from '../demos/args';
import type { Result } from './measure';
import { clusterLoad } from './scenarios/cluster';
import { codec } from './scenarios/codec';
import { eventAck } from './scenarios/eventAck';
import { floodAck } from './scenarios/flood';
import { largeJoin } from './scenarios/largeJoin';
import { receive } from './scenarios/receive';
import type { ServerPlan } from './scenarios/server';
import { serverLoad } from './scenarios/server';
import { movedEntities } from './scenarios/movedEntities';
import { roomJoin } from './scenarios/roomJoin';
import { stateBytes } from './scenarios/state';
import { formatStep, sizeGame } from './sizing';

/** How long each scenario runs: the full benchmark, or the smoke test of it. */
interface Plan {
  readonly codecMs: number;
  /** How long the receive path is timed, both framings together. */
  readonly receiveMs: number;
  readonly eventRounds: number;
  readonly server: ServerPlan;
  readonly stateMs: number;
  /** Virtual ms of the moved-entities world that are counted. */
  readonly movedMs: number;
  /** How long the players' acks are measured before the flood, and again during it. */
  readonly floodMs: number;
  /** Players who join rooms through the matchmaker, and connect to a game, one after another. */
  readonly roomJoins: number;
  /** Clients who join a 256 KiB world, and a small one, one after another. */
  readonly largeJoins: number;
}

const FULL: Plan = {
  codecMs: 1000,
  receiveMs: 2000,
  eventRounds: 1000,
  server: {
    timing: { rampMs: 1000, warmupMs: 3000, measureMs: 3000, drainMs: 1000 },
    firstStep: 500,
    maxSteps: 8,
    ceilingMs: 2000,
    codeWarmupMs: 10_000,
  },
  stateMs: 5000,
  movedMs: 10_000,
  floodMs: 4000,
  roomJoins: 200,
  largeJoins: 20,
};

const SMOKE: Plan = {
  codecMs: 200,
  receiveMs: 400,
  eventRounds: 100,
  server: {
    timing: { rampMs: 500, warmupMs: 500, measureMs: 1500, drainMs: 500 },
    firstStep: 500,
    maxSteps: 2,
    ceilingMs: 1000,
    codeWarmupMs: 500,
  },
  stateMs: 1500,
  movedMs: 2000,
  floodMs: 1500,
  roomJoins: 20,
  largeJoins: 3,
};

type Scenario = (plan: Plan, progress: (line: string) => void) => Promise<Result | Result[]>;

const SCENARIOS: { name: string; run: Scenario }[] = [
  { name: 'codec', run: async (plan) => codec(plan.codecMs) },
  { name: 'receive path', run: async (plan) => receive(plan.receiveMs) },
  { name: 'e2e event ack', run: (plan) => eventAck(plan.eventRounds) },
  { name: 'server load', run: (plan, progress) => serverLoad(plan.server, progress) },
  { name: 'state bytes', run: (plan) => stateBytes(plan.stateMs) },
  { name: 'moved entities', run: async (plan) => movedEntities(plan.movedMs) },
  { name: 'flood in a session', run: (plan) => floodAck(plan.floodMs) },
  { name: 'room joins', run: (plan) => roomJoin(plan.roomJoins) },
  { name: 'large state joins', run: (plan) => largeJoin(plan.largeJoins) },
  { name: 'cluster load', run: (plan, progress) => clusterLoad(plan.server, progress) },
];

function format(n: number): string {
  // A figure with no baseline has none to show.
  if (Number.isNaN(n)) return '—';
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
    Number.isNaN(r.ratio) ? '—' : r.ratio.toFixed(2),
  ]);
  const widths = head.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const line = (row: readonly string[]): string =>
    `| ${widths.map((width, i) => (row[i] ?? '').padEnd(width)).join(' | ')} |`;
  const rule = `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`;
  return [line(head), rule, ...rows.map(line)].join('\n');
}

const USAGE = `Usage: npm run bench -- [--smoke] [--only NAME] [--json FILE]
       npm run bench -- --backend MODULE [--clients N] [--seconds S] [--event TYPE[:JSON]]...
                        [--events-per-second R] [--find] [--json FILE]

The built-in scenarios:
  --smoke        every scenario briefly, about 30 s, to check the benchmark works
  --only NAME    only the scenarios whose names contain NAME
  --json FILE    also write the figures to FILE as JSON

Your own game's server, under the load of N PyGaSe clients at 40 Hz on 127.0.0.1:
  --backend MODULE       a .ts or .js module exporting createBackend(options) (or a default
                         function) that returns the game's Backend, built with the options given
  --clients N            how many clients (default 100)
  --seconds S            how long the load is measured, after 2 s of ramp and warm-up (default 10)
  --event TYPE[:JSON]    an event each client sends; JSON an object of keyword arguments or an
                         array of positional ones; repeat the flag for several, sent in turn
  --events-per-second R  how many events each client sends a second (default 10)
  --find                 search for the most clients held, from N up (each count S seconds)
  --json FILE            also write the report to FILE as JSON`;

const FLAGS = {
  smoke: { type: 'boolean' },
  only: { type: 'string' },
  json: { type: 'string' },
  backend: { type: 'string' },
  clients: { type: 'string' },
  seconds: { type: 'string' },
  event: { type: 'string', multiple: true },
  'events-per-second': { type: 'string' },
  find: { type: 'boolean' },
} as const;

/** How many counts `--find` tries at most. */
const FIND_STEPS = 8;

/**
 * An event from `--event TYPE[:JSON]`: a JSON object is its keyword arguments, an array its
 * positional ones.
 *
 * @throws {UsageError} If the type is empty or the JSON is neither.
 */
function eventFlag(text: string): GameEvent {
  const colon = text.indexOf(':');
  const type = colon < 0 ? text : text.slice(0, colon);
  if (type === '') throw new UsageError(`--event needs a type, got ${JSON.stringify(text)}`);
  if (colon < 0) return { type, args: [], kwargs: {} };
  let value: unknown;
  try {
    value = JSON.parse(text.slice(colon + 1));
  } catch {
    throw new UsageError(`--event ${type}: what follows the colon is not JSON`);
  }
  if (Array.isArray(value)) return { type, args: value, kwargs: {} };
  if (typeof value === 'object' && value !== null) {
    return { type, args: [], kwargs: value as Record<string, unknown> };
  }
  throw new UsageError(`--event ${type}: the JSON must be an object or an array`);
}

/** Writes `value` to the file `--json` names, if it names one. */
function writeJson(file: string | undefined, value: unknown): void {
  if (file === undefined) return;
  writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
  console.log(`written to ${file}`);
}

/** The built-in scenarios, with their figures in a table. */
async function scenarios(
  smoke: boolean,
  only: string | undefined,
  json: string | undefined,
): Promise<void> {
  const chosen = SCENARIOS.filter(({ name }) => only === undefined || name.includes(only));
  const plan = smoke ? SMOKE : FULL;
  const results: Result[] = [];
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
  console.log(`rxgase benchmark${smoke ? ' (smoke)' : ''} on ${machine}`);
  const began = Date.now();
  for (const [i, scenario] of chosen.entries()) {
    const prefix = `[${i + 1}/${chosen.length}] ${scenario.name}`;
    console.log(`${prefix} ...`);
    const started = Date.now();
    const out = await scenario.run(plan, (line) => console.log(`    ${line}`));
    const list = Array.isArray(out) ? out : [out];
    results.push(...list);
    const summary = list.map((r) => `${r.name} ${format(r.value)} ${r.unit}`).join(', ');
    console.log(`${prefix} done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${summary}`);
  }
  console.log(`\n${table(results)}\n\n${((Date.now() - began) / 1000).toFixed(0)} s in all`);
  writeJson(json, { machine, smoke, results });
}

/** Reads the command line and runs what it asks: the scenarios, or the sizing of a game. */
async function main(argv: readonly string[]): Promise<void> {
  const { values } = parseDemoArgs(argv, { usage: USAGE, flags: FLAGS });
  if ((values as { help?: boolean }).help === true) return console.log(USAGE);
  const module = values.backend;
  if (module === undefined) {
    const sizing = ['clients', 'seconds', 'event', 'events-per-second', 'find'] as const;
    const stray = sizing.find((flag) => values[flag] !== undefined);
    if (stray !== undefined) throw new UsageError(`--${stray} needs --backend`);
    return scenarios(values.smoke === true, values.only, values.json);
  }
  if (values.smoke !== undefined || values.only !== undefined) {
    throw new UsageError('--smoke and --only are for the built-in scenarios, not --backend');
  }
  const path = resolve(process.env.INIT_CWD ?? process.cwd(), module);
  const events = (values.event ?? []).map(eventFlag);
  const plan = {
    module: path,
    clients: countFlag('--clients', values.clients ?? '100', 1),
    seconds: countFlag('--seconds', values.seconds ?? '10', 1),
    load: {
      events,
      perSecond: countFlag('--events-per-second', values['events-per-second'] ?? '10'),
    },
    find: values.find === true,
    maxSteps: FIND_STEPS,
  };
  const sent = events.length === 0 ? 'no events' : `${plan.load.perSecond} events a second`;
  console.log(
    `Sizing ${path}: ${plan.clients} clients at 40 Hz, ${sent} each, ${plan.seconds} s measured` +
      `${plan.find ? ', searching for the most held' : ''}`,
  );
  const report = await sizeGame(plan, (line) => console.log(`    ${line}`));
  const shown = report.steps.find((step) => step.clients === report.held) ?? report.steps[0];
  if (shown !== undefined) console.log(`\n${formatStep(shown)}`);
  console.log(`\n${report.verdict}`);
  writeJson(values.json, report);
}

main(process.argv.slice(2)).then(
  () => process.exit(),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  },
);
