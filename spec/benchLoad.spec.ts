import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { openLoadSockets } from '../bench/load/loadSockets';

/** An echo on 127.0.0.1 that notes the address each datagram came from, by its first byte. */
async function echo(): Promise<{ port: number; from: Map<number, string>; close(): void }> {
  const socket = createSocket('udp4');
  const from = new Map<number, string>();
  socket.on('message', (data, sender) => {
    from.set(data[0] as number, `${sender.address}:${sender.port}`);
    socket.send(data, sender.port, sender.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, from, close: () => socket.close() };
}

describe("the load's sockets", () => {
  it.each([
    ['best', 'udpmux'],
    ['node:dgram', 'node:dgram'],
  ] as const)(
    'give each client an address of its own and hand it its own datagrams, when taken (%s)',
    async (asked, kind) => {
      const server = await echo();
      const heard: { index: number; first: number; length: number; at: number }[] = [];
      let allHeard: () => void = () => undefined;
      const done = new Promise<void>((resolve) => (allHeard = resolve));
      // Clients 0 and 1 share the helper's first socket; client 65 has one of its own block.
      const clients = [0, 1, 65];
      const sockets = await openLoadSockets(
        70,
        (index, datagram, at) => {
          heard.push({ index, first: datagram[0] as number, length: datagram.length, at });
          if (heard.length === 6) allHeard();
        },
        asked,
      );
      try {
        expect(sockets.kind).toBe(kind);
        const sentAt = performance.now();
        clients.forEach((index, i) => sockets.send(index, Uint8Array.of(i, 1, 2, 3), server.port));
        // Three large ones in one turn, more than one read of the helper's output holds: their
        // frames reach the load cut, in pieces.
        for (const fill of [7, 8, 9])
          sockets.send(65, new Uint8Array(60_000).fill(fill), server.port);
        await done;
        const heardAt = performance.now();

        expect(heard.map(({ index, first, length }) => ({ index, first, length }))).toEqual(
          expect.arrayContaining([
            { index: 0, first: 0, length: 4 },
            { index: 1, first: 1, length: 4 },
            { index: 65, first: 2, length: 4 },
            { index: 65, first: 7, length: 60_000 },
            { index: 65, first: 8, length: 60_000 },
            { index: 65, first: 9, length: 60_000 },
          ]),
        );
        expect(heard).toHaveLength(6);
        const addresses = [0, 1, 2].map((first) => server.from.get(first));
        expect(new Set(addresses).size).toBe(3);
        expect(server.from.get(9)).toBe(addresses[2]);
        for (const { at } of heard) {
          expect(at).toBeGreaterThanOrEqual(sentAt - 1);
          expect(at).toBeLessThanOrEqual(heardAt);
        }
      } finally {
        sockets.close();
        server.close();
      }
    },
    30_000,
  );
});

describe("the load's priority", () => {
  it('puts a load process and its threads behind every other for the CPU', async () => {
    // In a process of its own, as a load process: what it got, and what the system says of it.
    const script = [
      "const { execFileSync } = require('node:child_process');",
      "const { yieldToServer } = require('./bench/load/priority');",
      'const got = yieldToServer();',
      "const policy = execFileSync('chrt', ['--all-tasks', '--pid', String(process.pid)]);",
      'console.log(JSON.stringify({ got, policy: policy.toString() }));',
    ].join('\n');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--require', 'tsx/cjs', '-e', script],
      { cwd: join(__dirname, '..') },
    );
    const { got, policy } = JSON.parse(stdout) as { got: string; policy: string };
    expect(got).toBe('SCHED_IDLE');
    // Every thread of the process, V8's and libuv's among them.
    const lines = policy.split('\n').filter((line) => line.includes('scheduling policy'));
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line).toMatch(/SCHED_IDLE$/);
  }, 30_000);
});
