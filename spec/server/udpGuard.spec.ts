import { firstValueFrom, lastValueFrom, take, timeout, toArray } from 'rxjs';
import { Client } from '../../lib/client/client';
import { ConnectionRefusedError } from '../../lib/protocol/errors';
import {
  CONNECT_REQUEST_SIZE,
  RXGASE_PROTOCOL_VERSION,
  decodeRxgasePacket,
  encodeChallengeResponse,
  encodeConnectRequest,
} from '../../lib/protocol/rxgasePackets';
import { Server } from '../../lib/server/server';
import type { ServerOptions } from '../../lib/server/serverOptions';
import type { Address, Datagram } from '../../lib/transport/datagram';
import { bindUdp } from '../../lib/transport/udpTransport';
import type { UdpTransport } from '../../lib/transport/udpTransport';
import type { Arena } from '../helpers/world';
import { arena } from '../helpers/world';

/*
 * The server's guard over real UDP on 127.0.0.1, with real clients and, where a client would not
 * send what is tested, a bare socket sending datagrams written by hand.
 */

const opened: { close(): unknown }[] = [];

afterEach(async () => {
  for (const thing of opened.splice(0).reverse()) await thing.close();
});

async function running(options: ServerOptions = {}) {
  const { store, machine } = arena();
  const server = new Server(store, options);
  const address = await server.run(0, '127.0.0.1', machine);
  machine.runGameLoop(20);
  opened.push({ close: () => server.shutdown() }, { close: () => machine.stop() });
  return { server, store, address };
}

async function connected(server: Address, name: string): Promise<Client<Arena>> {
  const client = new Client<Arena>();
  opened.push({ close: () => client.disconnect() });
  await client.connect(server.port, '127.0.0.1');
  await lastValueFrom(client.dispatchEvent('JOIN', [name], {}, { retries: 5 }), {
    defaultValue: 0,
  });
  return client;
}

/** A bare UDP socket on 127.0.0.1. */
async function socket(): Promise<UdpTransport> {
  const transport = await bindUdp();
  opened.push(transport);
  return transport;
}

/** The next `n` datagrams `transport` receives. */
function next(transport: UdpTransport, n = 1): Promise<Datagram[]> {
  return firstValueFrom(transport.datagrams$.pipe(take(n), toArray()));
}

const nonce = (i: number): Uint8Array => Uint8Array.of(i, 1, 2, 3, 4, 5, 6, 7);

describe('the server on guard over real UDP on 127.0.0.1', () => {
  it('refuses a client past maxClients with `server full`, and takes it once there is room', async () => {
    const { server, address } = await running({ maxClients: 1 });
    const ann = await connected(address, 'ann');
    const bob = new Client<Arena>();
    opened.push({ close: () => bob.disconnect() });
    const refused = await bob.connect(address.port, '127.0.0.1').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConnectionRefusedError);
    expect(refused).toMatchObject({ code: 'ERR_CONNECTION_REFUSED', reason: 'server full' });
    expect(server.connections.size).toBe(1);
    expect(server.stats.connects).toBe(1);
    // Ann leaves; her place is free as soon as the server hears it.
    const left = firstValueFrom(server.disconnected$);
    await ann.disconnect();
    expect(await left).toMatchObject({ reason: 'disconnected' });
    await bob.connect(address.port, '127.0.0.1');
    await lastValueFrom(bob.dispatchEvent('JOIN', ['bob'], {}, { retries: 5 }), {
      defaultValue: 0,
    });
    expect((await bob.waitUntil((state) => state.players.bob !== undefined)).players.bob).toEqual({
      x: 0,
      score: 0,
    });
  });

  it('kicks a client: it hears `kicked`, the server reports it, the others play on', async () => {
    const { server, address } = await running();
    const ann = await connected(address, 'ann');
    const bobJoins = firstValueFrom(server.connected$);
    const bob = await connected(address, 'bob');
    const { client: bobAddress } = await bobJoins;
    const bobHears = firstValueFrom(bob.disconnected$);
    const serverReports = firstValueFrom(server.disconnected$);
    expect(server.kick(bobAddress)).toBe(true);
    expect(await bobHears).toBe('kicked');
    expect(await serverReports).toEqual({ client: bobAddress, reason: 'kicked' });
    expect(bob.connection).toBeUndefined();
    expect([...server.connections.keys()]).toHaveLength(1);
    await lastValueFrom(ann.dispatchEvent('MOVE', ['ann', 3], {}, { retries: 5 }), {
      defaultValue: 0,
    });
    expect((await ann.waitUntil((state) => state.players.ann?.x === 3)).players.ann?.x).toBe(3);
  });

  it('answers another protocol version with `version mismatch` in fewer bytes, and allocates nothing', async () => {
    const { server, address } = await running();
    const mallory = await socket();
    const version = RXGASE_PROTOCOL_VERSION + 1;
    // A connect request of the next version, written by hand.
    const request = encodeConnectRequest(nonce(1), version);
    const answer = next(mallory);
    mallory.send({ data: request, address });
    const [reply] = await answer;
    expect(decodeRxgasePacket(reply!.data)).toEqual({
      kind: 'close',
      token: nonce(1),
      reason: 'version mismatch',
    });
    expect(reply!.data.length).toBeLessThan(request.length);
    // Asked in the current version, then answering the challenge in another: refused the same.
    const challenge = next(mallory);
    mallory.send({ data: encodeConnectRequest(nonce(2)), address });
    const [challenged] = await challenge;
    const packet = decodeRxgasePacket(challenged!.data);
    if (packet.kind !== 'challenge') throw new Error(`a ${packet.kind} came, not a challenge`);
    const close = next(mallory);
    mallory.send({ data: encodeChallengeResponse(nonce(2), packet.cookie, version), address });
    const [closed] = await close;
    expect(decodeRxgasePacket(closed!.data)).toMatchObject({ reason: 'version mismatch' });
    expect(server.connections.size).toBe(0);
    expect(server.stats).toMatchObject({ connects: 0, clients: 0, control: 3 });
  });

  it('never sends a connect request more bytes than it carried, and nothing for a short one', async () => {
    const { server, address } = await running();
    const eve = await socket();
    // An unpadded request, cut to where its nonce ends: it would get a bigger answer than it is.
    const short = encodeConnectRequest(nonce(0)).subarray(0, 15);
    const requests = Array.from({ length: 20 }, (_, i) => encodeConnectRequest(nonce(i + 1)));
    const replies = next(eve, requests.length);
    eve.send({ data: short, address });
    for (const request of requests) eve.send({ data: request, address });
    const got = await replies;
    // In order from one socket to another on 127.0.0.1: had the short one been answered, its
    // answer would have come first.
    expect(got.map(({ data }) => decodeRxgasePacket(data))).toEqual(
      requests.map((_, i) => ({
        kind: 'challenge',
        nonce: nonce(i + 1),
        cookie: expect.any(Uint8Array),
      })),
    );
    for (const { data } of got) expect(data.length).toBeLessThanOrEqual(CONNECT_REQUEST_SIZE);
    const sent = requests.reduce((sum, request) => sum + request.length, short.length);
    expect(got.reduce((sum, { data }) => sum + data.length, 0)).toBeLessThanOrEqual(sent);
    expect(server.stats).toMatchObject({ malformed: 1, control: 20, connects: 0, clients: 0 });
  });

  it('sends every datagram through the send of a transport copied with one of its own', async () => {
    const through: number[] = [];
    const { store, machine } = arena();
    const server = new Server(store, {
      bind: async (port, host) => {
        const udp = await bindUdp({ port, host });
        // A copy has no route of the socket's: the packages of each client come this way too.
        expect({ ...udp }).not.toHaveProperty('route');
        return {
          ...udp,
          send: (datagram) => (through.push(datagram.data.length), udp.send(datagram)),
        };
      },
    });
    const address = await server.run(0, '127.0.0.1', machine);
    machine.runGameLoop(20);
    opened.push({ close: () => server.shutdown() }, { close: () => machine.stop() });
    await connected(address, 'ann');
    const [connection] = [...server.connections.values()];
    expect(connection?.stats.datagramsOut).toBeGreaterThan(0);
    // Every datagram of the client's connection, besides the handshake's challenge and accept.
    expect(through.length).toBeGreaterThanOrEqual(2 + (connection?.stats.datagramsOut ?? 0));
  });

  it('tells the client of a server that stopped without a word and runs again on its port `unknown session`, within a second', async () => {
    // The server's last words are lost, as when its process is killed: the client is not told.
    let mute = false;
    const { store, machine } = arena();
    const server = new Server(store, {
      bind: async (port, host) => {
        const udp = await bindUdp({ port, host });
        return { ...udp, send: (datagram) => (mute ? undefined : udp.send(datagram)) };
      },
    });
    const address = await server.run(0, '127.0.0.1', machine);
    machine.runGameLoop(20);
    opened.push({ close: () => server.shutdown() }, { close: () => machine.stop() });
    const ann = await connected(address, 'ann');
    mute = true;
    await server.shutdown();
    mute = false;
    // Within a second of running again, or the client hears nothing and this fails with a timeout.
    const told = firstValueFrom(ann.disconnected$.pipe(timeout(1000)));
    await server.run(address.port, '127.0.0.1', machine);
    expect(await told).toBe('unknown session');
    expect(ann.connection).toBeUndefined();
    expect(server.stats.unknownSessionCloses).toBe(1);
    expect(server.connections.size).toBe(0);
  });
});
