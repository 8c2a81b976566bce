import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { firstValueFrom, take, toArray } from 'rxjs';
import { bindSocket, bindUdp } from '../../lib/transport/udpTransport';
import { bindBatched } from '../../lib/transport/batchedUdp';
import { GameStateStore } from '../../lib/game/gameStateStore';
import { Server } from '../../lib/server/server';
import { createGameState } from '../../lib/state/gameState';
import { parseIp } from '../../lib/transport/ipAddress';
import { silentLogger } from '../../lib/util/logger';
import { missingFunctions, nativeUdp } from '../../lib/transport/nativeUdp';
import type { NativeSocket, NativeUdp } from '../../lib/transport/nativeUdp';

/*
 * rxgase's native UDP socket (native/udp.c), over real UDP on 127.0.0.1 and ::1. What both sockets
 * must do alike is in udpTransport.spec.ts, run on each; here is what is the native one's own:
 * batches both ways, and that what it says of addresses and errors is what node:dgram says.
 */

/** A node:dgram socket bound on `host`, to talk to the native one from outside. */
async function dgram(type: 'udp4' | 'udp6', host: string): Promise<Socket> {
  const socket = createSocket({ type, recvBufferSize: 4 * 1024 * 1024 });
  await bindSocket(socket, 0, host);
  return socket;
}

/** The native socket is Linux's: elsewhere its specs are skipped, and bindUdp takes node:dgram. */
const onLinux = process.platform === 'linux' ? describe : describe.skip;

/** Runs `script` in a node process of its own; resolves with its exit code and output. */
function runNode(script: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['-e', script],
      { timeout: 20_000 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          output: stdout + stderr,
        }),
    );
    child.stdin?.end();
  });
}

/** The built module's path, for scripts in processes of their own. */
function modulePath(): string {
  const found = nativeUdp();
  if (!('udp' in found)) throw new Error(found.reason);
  return require.resolve('../../native/build/rxgase_udp.node');
}

onLinux('the native UDP socket', () => {
  it('is built by npm install on Linux, and taken by default there', async () => {
    expect(nativeUdp()).toHaveProperty('udp');
    const transport = await bindUdp();
    transport.close();
    expect(transport.socket).toBe('native');
  });

  it('is refused when built from another version, which lacks what this one calls', () => {
    const found = nativeUdp();
    if (!('udp' in found)) throw new Error(found.reason);
    expect(missingFunctions(found.udp)).toEqual([]);
    const older: Partial<NativeUdp> = { ...found.udp };
    delete older.pauseReading;
    expect(missingFunctions(older)).toEqual(['pauseReading']);
  });

  it('is what a server says it listens on, or node:dgram and why not', async () => {
    const lines: string[] = [];
    const logger = { ...silentLogger, info: (line: string) => lines.push(line) };
    const serve = async (socket: 'native' | 'dgram'): Promise<string | undefined> => {
      const server = new Server(new GameStateStore(createGameState({ foo: 0 })), {
        logger,
        bind: (port, host) => bindUdp({ port, host, socket }),
      });
      const { port } = await server.run(0, '127.0.0.1');
      await server.shutdown();
      return lines.find((line) => line.includes(`:${port}`));
    };
    expect(await serve('native')).toMatch(
      /^Server listening on 127\.0\.0\.1:\d+ on rxgase's native UDP socket\.$/,
    );
    expect(await serve('dgram')).toMatch(/^Server listening on 127\.0\.0\.1:\d+ on node:dgram\.$/);
  });

  it('sends a turn of 2,000 datagrams and takes them in batches, none lost or changed', async () => {
    const a = await bindUdp({ socket: 'native' });
    const b = await bindUdp({ socket: 'native' });
    try {
      const arriving = firstValueFrom(b.datagrams$.pipe(take(2000), toArray()));
      for (let i = 0; i < 2000; i++) {
        a.send({ data: Uint8Array.of(i & 0xff, i >> 8, 7), address: b.address });
      }
      const datagrams = await arriving;
      const numbers = datagrams.map(({ data }) => (data[0] ?? 0) + 256 * (data[1] ?? 0));
      expect(numbers.sort((x, y) => x - y)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
      expect(datagrams.every(({ data }) => data.length === 3 && data[2] === 7)).toBe(true);
      expect(datagrams.every(({ address }) => address.port === a.address.port)).toBe(true);
    } finally {
      a.close();
      b.close();
    }
  });

  it('gives each datagram its own bytes, which later datagrams do not overwrite', async () => {
    const a = await bindUdp({ socket: 'native' });
    const b = await bindUdp({ socket: 'native' });
    try {
      const arriving = firstValueFrom(b.datagrams$.pipe(take(100), toArray()));
      for (let i = 0; i < 100; i++)
        a.send({ data: new Uint8Array(50).fill(i), address: b.address });
      const datagrams = await arriving;
      expect(new Set(datagrams.map(({ data }) => data[49])).size).toBe(100);
      expect(datagrams.every(({ data }) => data.every((byte) => byte === data[0]))).toBe(true);
    } finally {
      a.close();
      b.close();
    }
  });

  it('sends what was sent in the turn it closed in, then closes', async () => {
    const receiver = await dgram('udp4', '127.0.0.1');
    try {
      const a = await bindUdp({ socket: 'native' });
      const arriving = new Promise<number[]>((resolve) => {
        const seen: number[] = [];
        receiver.on('message', (data) => {
          seen.push(data[0] ?? -1);
          if (seen.length === 3) resolve(seen);
        });
      });
      const completed = firstValueFrom(a.datagrams$.pipe(toArray()));
      const to = { host: '127.0.0.1', port: receiver.address().port };
      for (const n of [1, 2, 3]) a.send({ data: Uint8Array.of(n), address: to });
      a.close();
      expect(await arriving).toEqual([1, 2, 3]);
      expect(await completed).toEqual([]);
    } finally {
      receiver.close();
    }
  });

  it('sends along a route as send does: to IPv4 and IPv6 peers, to a name, and nothing once closed', async () => {
    for (const [type, host] of [
      ['udp4', '127.0.0.1'],
      ['udp6', '::1'],
    ] as const) {
      const a = await bindUdp({ socket: 'native', type, host });
      const b = await bindUdp({ socket: 'native', type, host });
      try {
        const arriving = firstValueFrom(b.datagrams$.pipe(take(3), toArray()));
        const route = a.route?.(b.address);
        expect(route).toBeDefined();
        route?.send(Uint8Array.of(1));
        a.send({ data: Uint8Array.of(2), address: b.address });
        route?.send(Uint8Array.of(3, 4));
        const datagrams = await arriving;
        expect(datagrams.map(({ data }) => Array.from(data))).toEqual([[1], [2], [3, 4]]);
        expect(datagrams.every(({ address }) => address.port === a.address.port)).toBe(true);
        expect(datagrams.every(({ address }) => address.host === host)).toBe(true);
      } finally {
        a.close();
        b.close();
      }
    }
    const a = await bindUdp({ socket: 'native' });
    const b = await bindUdp({ socket: 'native' });
    const c = await bindUdp({ socket: 'native' });
    try {
      const arriving = firstValueFrom(b.datagrams$.pipe(take(2), toArray()));
      a.route?.({ host: 'localhost', port: b.address.port }).send(Uint8Array.of(5));
      const route = a.route?.(b.address);
      a.close();
      route?.send(Uint8Array.of(6));
      // The datagram sent along the route after close never goes: the next is another socket's.
      c.send({ data: Uint8Array.of(7), address: b.address });
      const numbers = (await arriving).map(({ data }) => data[0] ?? -1);
      expect(numbers.sort((x, y) => x - y)).toEqual([5, 7]);
    } finally {
      a.close();
      b.close();
      c.close();
    }
  });

  it('reports a route to a port out of range on each send, as send does', async () => {
    const a = await bindUdp({ socket: 'native' });
    try {
      const errors: Error[] = [];
      a.errors$.subscribe((error) => errors.push(error));
      const route = a.route?.({ host: '127.0.0.1', port: 70_000 });
      route?.send(Uint8Array.of(1));
      route?.send(Uint8Array.of(2));
      expect(errors.map((error) => (error as { code?: string }).code)).toEqual([
        'ERR_SOCKET_BAD_PORT',
        'ERR_SOCKET_BAD_PORT',
      ]);
    } finally {
      a.close();
    }
  });

  it('reports a datagram the system refuses as node:dgram does, and sends the rest of its turn', async () => {
    const a = await bindUdp({ socket: 'native' });
    const b = await bindUdp({ socket: 'native' });
    try {
      const errors: Error[] = [];
      a.errors$.subscribe((error) => errors.push(error));
      const arriving = firstValueFrom(b.datagrams$.pipe(take(2), toArray()));
      a.send({ data: Uint8Array.of(1), address: b.address });
      a.send({ data: new Uint8Array(70_000), address: b.address });
      a.send({ data: Uint8Array.of(3), address: b.address });
      expect((await arriving).map(({ data }) => data[0])).toEqual([1, 3]);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({
        message: `send EMSGSIZE 127.0.0.1:${b.address.port}`,
        code: 'EMSGSIZE',
        syscall: 'send',
        address: '127.0.0.1',
        port: b.address.port,
      });
    } finally {
      a.close();
      b.close();
    }
  });

  it('reports a refused datagram once when whoever hears of it closes the transport', async () => {
    const a = await bindUdp({ socket: 'native' });
    const b = await bindUdp({ socket: 'native' });
    try {
      const errors: Error[] = [];
      a.errors$.subscribe((error) => {
        errors.push(error);
        a.close();
      });
      const arriving = firstValueFrom(b.datagrams$);
      a.send({ data: new Uint8Array(70_000), address: b.address });
      a.send({ data: Uint8Array.of(2), address: b.address });
      expect(Array.from((await arriving).data)).toEqual([2]);
      expect(errors.map((error) => (error as { code?: string }).code)).toEqual(['EMSGSIZE']);
    } finally {
      a.close();
      b.close();
    }
  });

  it('sends what went to a host name before close, once the name is looked up', async () => {
    const b = await bindUdp({ socket: 'native' });
    try {
      const a = await bindUdp({ socket: 'native' });
      const arriving = firstValueFrom(b.datagrams$);
      a.send({ data: Uint8Array.of(7), address: { host: 'localhost', port: b.address.port } });
      a.close();
      expect(Array.from((await arriving).data)).toEqual([7]);
    } finally {
      b.close();
    }
  });

  it('refuses an IPv6 address for an IPv4 socket, as node:dgram does', async () => {
    await expect(bindUdp({ socket: 'native', type: 'udp4', host: '::1' })).rejects.toMatchObject({
      code: 'EINVAL',
      syscall: 'bind',
    });
    await expect(bindUdp({ socket: 'dgram', type: 'udp4', host: '::1' })).rejects.toMatchObject({
      code: 'EINVAL',
    });
  });

  it('hands what its callback threw to uncaughtException, and goes on reading', async () => {
    const { code, output } = await runNode(`
      const udp = require(${JSON.stringify(modulePath())});
      const dgram = require('node:dgram');
      let batches = 0;
      let thrown = 0;
      process.on('uncaughtException', (error) => { thrown++; });
      const inbox = new Uint8Array(65536 * 4);
      const records = new Uint32Array(40);
      const [socket, port] = udp.open(4, Uint32Array.of(0x0100007f, 0, 0, 0), 0, 0, inbox, records,
        65536, (count) => { batches++; throw new Error('boom ' + batches); }, 0);
      const sender = dgram.createSocket('udp4');
      const next = (n) => {
        if (n === 0) {
          setTimeout(() => { console.log(JSON.stringify({ batches, thrown })); udp.close(socket); sender.close(); }, 50);
          return;
        }
        sender.send(Uint8Array.of(n), port, '127.0.0.1', () => setTimeout(() => next(n - 1), 20));
      };
      next(3);
    `);
    expect({ code, output: output.trim() }).toEqual({
      code: 0,
      output: JSON.stringify({ batches: 3, thrown: 3 }),
    });
  });

  it('closes its sockets when the worker thread that opened them ends', async () => {
    const { code, output } = await runNode(`
      const { Worker } = require('node:worker_threads');
      const worker = new Worker(\`
        const { parentPort } = require('node:worker_threads');
        const udp = require(\${JSON.stringify(${JSON.stringify(modulePath())})});
        udp.open(4, Uint32Array.of(0x0100007f, 0, 0, 0), 0, 0, new Uint8Array(65536),
          new Uint32Array(10), 65536, () => undefined, 0);
        parentPort.postMessage('open');
      \`, { eval: true });
      worker.on('message', async () => {
        await worker.terminate();
        console.log('the process lives on');
      });
    `);
    expect({ code, output: output.trim() }).toEqual({ code: 0, output: 'the process lives on' });
  });

  it('says IPv6 addresses as node:dgram does, IPv4-mapped ones among them', async () => {
    const native = await bindUdp({ socket: 'native', type: 'udp6', host: '::' });
    const node = await bindUdp({ socket: 'dgram', type: 'udp6', host: '::' });
    const from4 = await dgram('udp4', '127.0.0.1');
    const from6 = await dgram('udp6', '::1');
    try {
      expect(native.address.host).toBe(node.address.host);
      const heard = (transport: typeof native): Promise<string[]> =>
        // The two arrive in either order.
        firstValueFrom(transport.datagrams$.pipe(take(2), toArray())).then((seen) =>
          seen.map(({ address }) => address.host).sort(),
        );
      const nativeHeard = heard(native);
      const nodeHeard = heard(node);
      for (const transport of [native, node]) {
        from4.send(Uint8Array.of(4), transport.address.port, '127.0.0.1');
        from6.send(Uint8Array.of(6), transport.address.port, '::1');
      }
      expect(await nativeHeard).toEqual(['::1', '::ffff:127.0.0.1']);
      expect(await nodeHeard).toEqual(await nativeHeard);
      // And it answers to what it heard.
      const back = new Promise<string>((resolve) =>
        from6.once('message', (_data, remote) => resolve(remote.address)),
      );
      native.send({ data: Uint8Array.of(9), address: { host: '::1', port: from6.address().port } });
      expect(await back).toBe('::1');
    } finally {
      native.close();
      node.close();
      from4.close();
      from6.close();
    }
  });
});

/**
 * The native module as the transport sees it, over a real socket, but whose sends stop at
 * EAGAIN (a send buffer full, as on a link slower than the server) as long as `full` says: on
 * loopback the kernel frees a datagram's buffer as it sends it, so a real send never would.
 */
function withFullSendBuffer(udp: NativeUdp): NativeUdp & { full: boolean; room(): void } {
  let onBatch: (count: number) => void = () => undefined;
  let waiting = false;
  let stoppedAtFull = false;
  const wrapped = {
    ...udp,
    full: false,
    open(...args: Parameters<NativeUdp['open']>): [NativeSocket, number] {
      onBatch = args[7];
      return udp.open(...args);
    },
    send(socket: NativeSocket, outbox: Uint8Array, records: Uint32Array, from: number, to: number) {
      stoppedAtFull = wrapped.full && from < to;
      // Half of what is asked goes; the rest meets the full buffer.
      const upTo = wrapped.full ? from + Math.floor((to - from) / 2) : to;
      return upTo === from ? from : udp.send(socket, outbox, records, from, upTo);
    },
    lastError: (socket: NativeSocket) => (stoppedAtFull ? 11 : udp.lastError(socket)),
    awaitWritable(): void {
      waiting = true;
    },
    room(): void {
      wrapped.full = false;
      if (waiting) {
        waiting = false;
        onBatch(0);
      }
    },
  };
  return wrapped;
}

onLinux('the native UDP socket with a full send buffer', () => {
  it('keeps what did not go, and sends it, before anything later, once there is room', async () => {
    const found = nativeUdp();
    if (!('udp' in found)) throw new Error(found.reason);
    const udp = withFullSendBuffer(found.udp);
    const receiver = await bindUdp({ socket: 'dgram' });
    const local = parseIp('127.0.0.1')!;
    const a = bindBatched(udp, 4, local, 0, 65536);
    try {
      const errors: Error[] = [];
      a.errors$.subscribe((error) => errors.push(error));
      const arriving = firstValueFrom(receiver.datagrams$.pipe(take(6), toArray()));
      udp.full = true;
      for (const n of [1, 2, 3, 4]) a.send({ data: Uint8Array.of(n), address: receiver.address });
      // The turn ends: half went, and the rest waits for room.
      await new Promise((resolve) => setImmediate(resolve));
      a.send({ data: Uint8Array.of(5), address: receiver.address });
      a.send({ data: Uint8Array.of(6), address: receiver.address });
      await new Promise((resolve) => setImmediate(resolve));
      udp.room();
      expect((await arriving).map(({ data }) => data[0])).toEqual([1, 2, 3, 4, 5, 6]);
      expect(errors).toEqual([]);
    } finally {
      a.close();
      receiver.close();
    }
  });
});
