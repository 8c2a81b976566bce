import { firstValueFrom, filter } from 'rxjs';
import { WebSocket } from 'ws';
import { PacketKind, RXGASE_PROTOCOL_ID } from '../../lib/protocol/rxgasePackets';
import type { Address } from '../../lib/transport/datagram';
import { SimulationScheduler } from '../../lib/transport/simulationScheduler';
import type { WebSocketServerTransport } from '../../lib/transport/webSocketServer';
import { listenWebSocket } from '../../lib/transport/webSocketServer';
import { CLOSE_NO_SESSION } from '../../lib/transport/webSocketServerOptions';
import type { WebSocketServerOptions } from '../../lib/transport/webSocketServerOptions';

/** An rxgase packet of `kind`, with zeros where its fields go: the guard reads only the kind. */
const packet = (kind: number): Uint8Array =>
  Uint8Array.from([...RXGASE_PROTOCOL_ID, kind, ...new Array<number>(25).fill(0)]);

/** Resolves when `socket` closes, with its code and reason. */
const closing = (socket: WebSocket): Promise<{ code: number; reason: string }> =>
  new Promise((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );

/** Waits, up to a bound, for `done` to hold: for what the server does on its own I/O. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !done(); waited++) {
    if (waited > 2000) throw new Error(`waited 2 s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

describe('WebSocket server guard, over real WebSockets on 127.0.0.1', () => {
  let scheduler: SimulationScheduler;
  let server: WebSocketServerTransport;
  const sockets: WebSocket[] = [];

  async function listen(options: WebSocketServerOptions): Promise<void> {
    scheduler = new SimulationScheduler();
    // Virtual time leaps over many heartbeats at once, faster than pongs come: none unless asked.
    server = await listenWebSocket({ scheduler, heartbeatInterval: 3_600_000, ...options });
  }

  /** A WebSocket client, open, and the address the server knows it by. */
  async function open(options: { autoPong?: boolean } = {}): Promise<[WebSocket, Address]> {
    const socket = new WebSocket(`ws://127.0.0.1:${server.address.port}/`, options);
    sockets.push(socket);
    await new Promise((resolve) => socket.once('open', resolve));
    const address = (await roundTrip(socket)).address;
    return [socket, address];
  }

  /** A datagram from `socket` to the server: once it is there, all sent before it was read. */
  async function roundTrip(socket: WebSocket): Promise<{ address: Address }> {
    const mark = Uint8Array.of(0x6d, sockets.indexOf(socket));
    const arriving = firstValueFrom(
      server.datagrams$.pipe(filter(({ data }) => Buffer.from(data).equals(Buffer.from(mark)))),
    );
    socket.send(mark, { binary: true });
    return arriving;
  }

  /** Whether `socket` is open still: the server hears it and it hears the server. */
  async function stillOpen(socket: WebSocket, address: Address): Promise<boolean> {
    await roundTrip(socket);
    const hearing = new Promise((resolve) => socket.once('message', resolve));
    server.send({ data: Uint8Array.of(1), address });
    await hearing;
    return socket.readyState === WebSocket.OPEN;
  }

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.terminate();
    server.close();
  });

  describe('sockets out of an rxgase session', () => {
    it('closes a socket that never completes a handshake, with 1008', async () => {
      await listen({ handshakeTimeout: 500 });
      const [idle, address] = await open();
      const closed = closing(idle);
      scheduler.advanceBy(499);
      expect(await stillOpen(idle, address)).toBe(true);
      scheduler.advanceBy(1);
      expect(await closed).toEqual({ code: CLOSE_NO_SESSION, reason: 'no rxgase session' });
      expect(server.stats.timedOut).toBe(1);
      await until(() => server.peers === 0, 'the server to let the socket go');
    });

    it('keeps a socket the server accepted into a session, as long as it lasts', async () => {
      await listen({ handshakeTimeout: 500 });
      const [player, address] = await open();
      server.send({ data: packet(PacketKind.Accept), address });
      scheduler.advanceBy(60_000);
      expect(await stillOpen(player, address)).toBe(true);
      expect(server.stats.timedOut).toBe(0);
    });

    it('closes a socket once the server closed its session, after the timeout', async () => {
      await listen({ handshakeTimeout: 500 });
      const [player, address] = await open();
      server.send({ data: packet(PacketKind.Accept), address });
      scheduler.advanceBy(1000);
      const closed = closing(player);
      server.send({ data: packet(PacketKind.Close), address });
      scheduler.advanceBy(499);
      expect(await stillOpen(player, address)).toBe(true);
      scheduler.advanceBy(1);
      expect((await closed).code).toBe(CLOSE_NO_SESSION);
      expect(server.stats.timedOut).toBe(1);
    });

    it('closes a socket whose peer closed its session and stayed, after the timeout', async () => {
      await listen({ handshakeTimeout: 500 });
      const [player, address] = await open();
      server.send({ data: packet(PacketKind.Accept), address });
      const closed = closing(player);
      const heard = firstValueFrom(server.datagrams$);
      player.send(packet(PacketKind.Close), { binary: true });
      expect((await heard).data[RXGASE_PROTOCOL_ID.length]).toBe(PacketKind.Close);
      scheduler.advanceBy(500);
      expect((await closed).code).toBe(CLOSE_NO_SESSION);
    });

    it('is not fooled by a peer that sends an ACCEPT itself', async () => {
      await listen({ handshakeTimeout: 500 });
      const [idle] = await open();
      const closed = closing(idle);
      idle.send(packet(PacketKind.Accept), { binary: true });
      await roundTrip(idle);
      scheduler.advanceBy(500);
      expect((await closed).code).toBe(CLOSE_NO_SESSION);
    });
  });

  describe('heartbeats', () => {
    it('terminates a socket whose peer stops answering pings, and keeps one that answers', async () => {
      await listen({ handshakeTimeout: 60_000, heartbeatInterval: 1000 });
      const [live, liveAddress] = await open();
      const [dead] = await open({ autoPong: false });
      const gone = closing(dead);
      const pinged = [live, dead].map((socket) => new Promise((r) => socket.once('ping', r)));
      scheduler.advanceBy(1000);
      await Promise.all(pinged);
      // Sent after the pong, so the server has read the pong once this arrives.
      await roundTrip(live);
      expect(server.stats.dead).toBe(0);
      scheduler.advanceBy(1000);
      expect((await gone).code).toBe(1006);
      expect(server.stats.dead).toBe(1);
      expect(await stillOpen(live, liveAddress)).toBe(true);
    });
  });

  describe('sockets per address', () => {
    it('refuses the socket past the cap with 429 and counts it, while the others stay', async () => {
      await listen({ maxSocketsPerAddress: 2 });
      const [first, firstAddress] = await open();
      const [second, secondAddress] = await open();
      const third = new WebSocket(`ws://127.0.0.1:${server.address.port}/`);
      sockets.push(third);
      third.on('error', () => undefined);
      const refusal = await new Promise<number>((resolve) =>
        third.once('unexpected-response', (_request, response) => resolve(response.statusCode!)),
      );
      expect(refusal).toBe(429);
      expect(server.stats.refused).toBe(1);
      expect(server.peers).toBe(2);
      expect(await stillOpen(first, firstAddress)).toBe(true);
      expect(await stillOpen(second, secondAddress)).toBe(true);

      // A place freed is a place taken again.
      first.close();
      await until(() => server.peers === 1, 'the server to see the socket close');
      const [fourth, fourthAddress] = await open();
      expect(await stillOpen(fourth, fourthAddress)).toBe(true);
      expect(server.stats.refused).toBe(1);
    });
  });

  describe('peers that do not read', () => {
    const limit = 16 * 1024;
    const size = 1024;

    it('skips and counts datagrams to a peer that stopped reading, bounding what it holds, while another gets every one', async () => {
      await listen({ bufferLimit: limit, handshakeTimeout: 60_000, heartbeatInterval: 60_000 });
      const [reader, readerAddress] = await open();
      const [stalled, stalledAddress] = await open();
      const read: number[] = [];
      reader.on('message', (data: Buffer) => read.push(data.readUInt16BE(0)));
      const held: number[] = [];
      stalled.on('message', (data: Buffer) => held.push(data.length));
      (stalled as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();

      const count = 400;
      for (let i = 0; i < count; i++) {
        const data = Buffer.alloc(size);
        data.writeUInt16BE(i, 0);
        const heard = new Promise((resolve) => reader.once('message', resolve));
        server.send({ data, address: readerAddress });
        server.send({ data, address: stalledAddress });
        await heard;
      }
      expect(read).toEqual([...Array(count).keys()]);
      expect(server.stats.skipped).toBeGreaterThan(count - limit / size - 2);
      expect(server.dropped).toBe(server.stats.skipped);

      // Once it reads again, it gets what was held for it, and then what is sent.
      const pinged = new Promise((resolve) => stalled.once('ping', resolve));
      (stalled as unknown as { _socket: { resume(): void } })._socket.resume();
      await pinged;
      await roundTrip(stalled);
      const end = new Promise((resolve) =>
        stalled.on('message', (data: Buffer) => data.length === 3 && resolve(undefined)),
      );
      server.send({ data: Uint8Array.of(1, 2, 3), address: stalledAddress });
      await end;
      const bytes = held.slice(0, -1).reduce((sum, length) => sum + length, 0);
      expect(bytes).toBeLessThanOrEqual(limit + size);
      expect(held.length - 1 + server.stats.skipped).toBe(count);
    });
  });
});
