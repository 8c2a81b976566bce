/**
 * The benchmark: `npm run bench`, or `npm run bench -- --json results.json`. Each scenario
 * measures its own baseline in the same run, so the ratios hold on a noisy machine.
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

const SCENARIOS: { name: string; run: () => Result | Result[] | Promise<Result | Result[]> }[] = [
  { name: 'codec', run: codec },
  { name: 'e2e event ack', run: eventAck },
];

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const jsonAt = argv.indexOf('--json');
  const results: Result[] = [];
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
  console.log(`rxgase benchmark on ${machine}`);
  for (const [i, scenario] of SCENARIOS.entries()) {
    process.stdout.write(`[${i + 1}/${SCENARIOS.length}] ${scenario.name} ... `);
    const out = await scenario.run();
    const list = Array.isArray(out) ? out : [out];
    results.push(...list);
    console.log('done');
  }
  const format = (n: number): string =>
    n >= 1000 ? Math.round(n).toLocaleString('en') : n.toPrecision(3);
  console.log('\n| scenario | value | unit | baseline | ratio |\n|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.name} | ${format(r.value)} | ${r.unit} | ${format(r.baseline)} | ${r.ratio.toFixed(2)} |`,
    );
  }
  if (jsonAt >= 0) {
    const file = argv[jsonAt + 1];
    if (file === undefined) throw new Error('--json needs a file name');
    writeFileSync(file, JSON.stringify({ machine, results }, null, 2) + '\n');
    console.log(`\nwritten to ${file}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
