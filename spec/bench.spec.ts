import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { LoadResult } from '../bench/load/loadProcess';
import type { Step } from '../bench/scenarios/loadSteps';
import { movedEntities } from '../bench/scenarios/movedEntities';
import { roomJoin } from '../bench/scenarios/roomJoin';
import { largeJoin } from '../bench/scenarios/largeJoin';
import { clusterStep } from '../bench/scenarios/cluster';
import { ProtocolClient, SEND_INTERVAL_MS, noCounts } from '../bench/load/protocolClient';
import { Backend, createGameState } from '../lib/index';
import type { GameState } from '../lib/index';
import type { Result } from '../bench/measure';
import { receive } from '../bench/scenarios/receive';
import { serverCode } from '../bench/scenarios/serverCode';
import { mostHeld, searchMostHeld } from '../bench/scenarios/loadSteps';
import type { SizingReport, SizingStep } from '../bench/sizing';
import { verdict } from '../bench/sizing';

const ROOT = join(__dirname, '..');

/** `npm run bench -- ...args`, run from the sources through tsx; its exit code and output. */
async function bench(
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', ...args],
      { cwd: ROOT, timeout: 60_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

describe('npm run bench -- --backend', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rxgase-bench-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("runs a game's own module under load and reports every figure and a verdict", async () => {
    const json = join(dir, 'report.json');
    const run = await bench([
      '--backend',
      'spec/fixtures/sizingBackend.ts',
      '--clients',
      '4',
      '--seconds',
      '1',
      '--event',
      'MOVE:{"x":1}',
      '--event',
      'MOVE:[2]',
      '--json',
      json,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as SizingReport;
    expect(report.module).toBe(join(ROOT, 'spec/fixtures/sizingBackend.ts'));
    expect(report.seconds).toBe(1);
    expect(report.events).toEqual({
      events: [
        { type: 'MOVE', args: [], kwargs: { x: 1 } },
        { type: 'MOVE', args: [2], kwargs: {} },
      ],
      perSecond: 10,
    });
    expect(report.steps).toHaveLength(1);
    const step = report.steps[0]!;
    expect(Object.keys(step).sort()).toEqual(
      [
        'clients',
        'connected',
        'holds',
        'shortfalls',
        'serverCpuMsPerClientS',
        'deliveredToClients',
        'deliveredToServer',
        'eventsSent',
        'eventsAcked',
        'eventAckP50Ms',
        'eventAckP99Ms',
        'updatesPerClientS',
        'bytesPerClientS',
        'loadLateMs',
      ].sort(),
    );
    expect(step.clients).toBe(4);
    // The clients sent their events, and the server process used CPU serving them.
    expect(step.eventsSent).toBeGreaterThan(0);
    expect(step.serverCpuMsPerClientS).toBeGreaterThan(0);
    // A verdict either way, and one that agrees with the step's figures.
    expect(step.holds).toBe(step.shortfalls.length === 0);
    expect(report.held).toBe(step.holds ? 4 : 0);
    expect(report.verdict).toMatch(step.holds ? /^HOLDS 4 clients/ : /^DOES NOT HOLD 4 clients/);
    expect(run.stdout.trim().split('\n')).toContain(report.verdict);
    expect(run.stdout).toMatch(/event ack +p50 .* ms, p99 .* ms/);
  }, 60_000);

  it('says why a module cannot be sized, and fails', async () => {
    const run = await bench(['--backend', 'spec/fixtures/notABackend.ts', '--clients', '1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/exports neither a function createBackend nor a default function/);
  }, 60_000);

  it.each([
    [['--clients', '4'], /--clients needs --backend/],
    [['--backend', 'x.ts', '--smoke'], /--smoke and --only are for the built-in scenarios/],
    [['--backend', 'x.ts', '--event', 'MOVE:{x}'], /--event MOVE: what follows the colon/],
    [['--backend', 'x.ts', '--clients', 'many'], /--clients must be a whole number/],
    [['--backend'], /'--backend <value>' argument missing/],
  ])(
    'refuses %p with the usage, exit code 2',
    async (args, why) => {
      const run = await bench(args);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(why);
      expect(run.stderr).toMatch(/Usage: npm run bench/);
    },
    60_000,
  );

  it('prints the usage with --help', async () => {
    const run = await bench(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/--backend MODULE/);
  }, 60_000);
});

/** A step that holds up to `limit` clients. */
function fakeStep(clients: number, limit: number): Step {
  const holds = clients <= limit;
  return {
    clients,
    load: {} as LoadResult,
    serverCpuMs: 0,
    datagrams: 0,
    connections: clients,
    machineBusy: NaN,
    throttled: undefined,
    loopDelayP99Ms: NaN,
    udpDrops: undefined,
    serverSent: undefined,
    shortfalls: holds ? [] : ['the server acked 50.0% of the client packages'],
    holds,
  };
}

describe('the search for the most clients held', () => {
  it('grows by half while a count holds, then halves the gap', async () => {
    const tried: number[] = [];
    const steps = await searchMostHeld(100, 8, 10, async (clients) => {
      tried.push(clients);
      return fakeStep(clients, 260);
    });
    expect(tried).toEqual([100, 150, 230, 350, 290, 260, 280, 270]);
    expect(mostHeld(steps)).toBe(260);
  });

  it('stops once the gap closes', async () => {
    const steps = await searchMostHeld(4, 20, 1, async (clients) => fakeStep(clients, 5));
    expect(steps.map((step) => step.clients)).toEqual([4, 6, 5]);
    expect(mostHeld(steps)).toBe(5);
  });

  it('holds none when the first count falls short and every lower one too', async () => {
    const steps = await searchMostHeld(4, 20, 1, async (clients) => fakeStep(clients, 0));
    expect(mostHeld(steps)).toBe(0);
  });
});

/** The figures of a step, as the report gives them. */
function figures(clients: number, shortfalls: string[] = []): SizingStep {
  return {
    clients,
    connected: clients,
    holds: shortfalls.length === 0,
    shortfalls,
    serverCpuMsPerClientS: 1,
    deliveredToClients: 1,
    deliveredToServer: 1,
    eventsSent: 10,
    eventsAcked: shortfalls.length === 0 ? 10 : 9,
    eventAckP50Ms: 1,
    eventAckP99Ms: 2,
    updatesPerClientS: 40,
    bytesPerClientS: 1000,
    loadLateMs: 1,
  };
}

describe('the verdict', () => {
  it('says the count held, and what was delivered', () => {
    expect(verdict([figures(50)], false)).toBe(
      "HOLDS 50 clients at 40 Hz: 100.0% of the server's packages and 100.0% of the clients' delivered, 10 of 10 events acked",
    );
  });

  it('says why a count falls short', () => {
    expect(verdict([figures(50, ['1 of 10 events were not acked'])], false)).toBe(
      'DOES NOT HOLD 50 clients at 40 Hz with 99.0% delivered each way and every event acked: 1 of 10 events were not acked',
    );
  });

  it('says when the load fell behind its own beat', () => {
    const late = { ...figures(50, ['1 of 10 events were not acked']), loadLateMs: 80 };
    expect(verdict([late], false)).toMatch(/the load itself fell up to 80 ms behind its beat/);
  });

  it('gives the most held of a search, and why the next count fell short', () => {
    const steps = [figures(100), figures(150, ['the server had only 120 of the 150 clients'])];
    expect(verdict(steps, true)).toBe(
      'HOLDS AT MOST 100 clients at 40 Hz with 99.0% delivered each way and every event acked; at 150: the server had only 120 of the 150 clients',
    );
  });
});

describe('the receive path figure', () => {
  it('times a connection taking every datagram, against the bare decode, for both framings', () => {
    // One lap of each framing: the scenario throws if the connection dropped a datagram.
    const results = receive(1);
    expect(results.map((r) => r.name)).toEqual([
      'receive.ns_per_datagram',
      'receive.decode_ns_per_datagram',
      'receive.rxgase_ns_per_datagram',
      'receive.rxgase_decode_ns_per_datagram',
    ]);
    for (const [connection, decode] of [results.slice(0, 2), results.slice(2)]) {
      expect(connection!.value).toBeGreaterThan(0);
      expect(connection!.baseline).toBe(decode!.value);
      expect(connection!.ratio).toBeCloseTo(connection!.value / decode!.value);
    }
  }, 60_000);
});

describe('the server code figure', () => {
  it("times a server's own code in one process, less its clients', against the echo", async () => {
    const [result, receive] = await serverCode(50, { warmupMs: 300, measureMs: 600 }, 0.5);
    expect(result.name).toBe('server.code_ms_per_client_s');
    // The server does more than its clients alone: what is left is its own, and positive.
    expect(result.value).toBeGreaterThan(0);
    expect(result.baseline).toBe(0.5);
    expect(result.ratio).toBeCloseTo(result.value / 0.5);
    // The receive path, timed on datagrams of the window, decodes each: it takes longer than that.
    expect(receive.name).toBe('server.receive_ns_per_datagram');
    expect(receive.baseline).toBeGreaterThan(0);
    expect(receive.value).toBeGreaterThan(receive.baseline);
    expect(receive.ratio).toBeCloseTo(receive.value / receive.baseline);
  }, 60_000);
});

describe('the moved-entities figure', () => {
  it('counts the bytes a client gets per entity moved, the same on every run', async () => {
    const first = await movedEntities(1000);
    expect(first.map((r) => r.name)).toEqual([
      'state.bytes_per_moved_entity',
      'state.pygase_bytes_per_moved_entity',
    ]);
    const [rxgase, pygase] = first as [Result, Result];
    // An update carries at least an entity's two float32s, 8 bytes; the whole state far more.
    for (const result of first) {
      expect(result.value).toBeGreaterThan(8);
      expect(result.value).toBeLessThan(result.baseline as number);
    }
    // Compact updates meet the target, what Colyseus' schema spends on two float32 fields;
    // PyGaSe's msgpack, a key and a type byte per value, cannot.
    expect(rxgase.value).toBeLessThanOrEqual(14);
    expect(pygase.value).toBeGreaterThan(18);
    // Virtual time and a seeded world: the figure is the same on every run.
    expect(await movedEntities(1000)).toEqual(first);
  }, 60_000);
});

describe("the load's own protocol client", () => {
  it.each(['rxgase', 'pygase'] as const)(
    "takes a real server's packages over UDP, speaking %s, and none fails to decode",
    async (protocol) => {
      type Counter = GameState<{ n: number; players: Record<string, { x: number; y: number }> }>;
      let tick = 0;
      const backend = new Backend<Counter>(
        createGameState({ n: 0, players: {} }) as Counter,
        () => {
          tick++;
          const players: Counter['players'] = {};
          for (let i = 0; i < 30; i++) players[`p${i}`] = { x: tick + 0.5, y: i + 0.5 };
          return { n: tick, players };
        },
        {},
      );
      const { port } = await backend.run('127.0.0.1', 0);
      const counts = noCounts();
      const {
        clients: [client],
        sockets,
      } = await ProtocolClient.open(1, port, { events: () => [] }, counts, () => true);
      if (client === undefined) throw new Error('no client');
      try {
        if (protocol === 'rxgase') await client.handshake();
        for (let beat = 0; beat < 400 && counts.received < 20; beat++) {
          client.send(performance.now());
          await new Promise((resolve) => setTimeout(resolve, SEND_INTERVAL_MS));
        }
        expect(counts.received).toBeGreaterThanOrEqual(20);
        expect(counts.malformed).toBe(0);
      } finally {
        sockets.close();
        await backend.shutdown();
      }
    },
    30_000,
  );
});

describe('the join figures', () => {
  it.each([
    ['rooms.join', 'joins through the matchmaker against connects to one game', () => roomJoin(3)],
    [
      'state.large_join',
      'joins to a 256 KiB world against joins to a small one',
      () => largeJoin(2),
    ],
  ] as const)(
    'time %s: %s, in the same run',
    async (name, _what, run) => {
      const results = await run();
      expect(results.map((r) => r.name)).toEqual([`${name}_p50_ms`, `${name}_p99_ms`]);
      for (const result of results) {
        expect(result.value).toBeGreaterThan(0);
        expect(result.baseline).toBeGreaterThan(0);
        expect(result.ratio).toBeCloseTo(result.value / result.baseline);
      }
    },
    60_000,
  );
});

describe('the cluster figure', () => {
  it('seats its clients through the matchmaker in rooms over a real Redis, and sums the processes', async () => {
    const timing = { rampMs: 200, warmupMs: 300, measureMs: 1000, drainMs: 300 };
    const step = await clusterStep(2, 60, timing);
    // The rates the figure judges by move with the machine's load (this spec shares it with the
    // browser specs); what this checks is that every client was seated and every event acked.
    const rates = /^the (clients received|server acked) [\d.]+% of the/;
    expect(step.shortfalls.filter((reason) => !rates.test(reason))).toEqual([]);
    // Every client took its seat: 60 in rooms of 50.
    expect(step.connections).toBe(60);
    expect(step.load.received).toBeGreaterThan(0);
    expect(step.load.malformed).toBe(0);
    expect(step.serverCpuMs).toBeGreaterThan(0);
    expect(step.load.cpuMs).toBeGreaterThan(0);
    expect(step.machineBusy).toBeGreaterThan(0);
    expect(step.machineBusy).toBeLessThanOrEqual(1);
  }, 120_000);
});
