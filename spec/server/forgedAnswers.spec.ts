import { lastValueFrom, tap } from 'rxjs';
import { ConnectionStatus } from '../../lib/connection/connection';
import type { CloseReason } from '../../lib/protocol/rxgasePackets';
import {
  decodeRxgasePacket,
  encodeAccept,
  encodeChallenge,
  encodeClose,
  isRxgasePacket,
} from '../../lib/protocol/rxgasePackets';
import type { ServerOptions } from '../../lib/server/serverOptions';
import type { Address, Transport } from '../../lib/transport/datagram';
import { world } from '../helpers/world';

/*
 * An attacker off the path who knows where a client connects sends it datagrams from the
 * server's own address (nothing in UDP stops it), racing the real server. It cannot see the
 * client's nonce or session token, so it guesses them.
 */

const guess = (seed: number): Uint8Array =>
  Uint8Array.from({ length: 8 }, (_, i) => (seed * 31 + i) & 0xff);
const forgedHostToken = new Uint8Array(16).fill(0xab);

/**
 * A world in which, each time a client's connect request or challenge response reaches the
 * server, forged answers from the server's address reach the client first: accepts that make it
 * the host, challenges, refusals.
 */
function raced(serverOptions: ServerOptions = {}) {
  let socket: Transport | undefined;
  const forged = { count: 0 };
  const send = (data: Uint8Array, address: Address): void => {
    forged.count++;
    socket?.send({ data, address });
  };
  const forge = (data: Uint8Array, address: Address): void => {
    if (!isRxgasePacket(data)) return;
    const { kind } = decodeRxgasePacket(data);
    if (kind !== 'connect request' && kind !== 'challenge response') return;
    for (let i = 0; i < 5; i++) {
      send(encodeAccept(guess(i), guess(100 + i), forgedHostToken), address);
      send(encodeChallenge(guess(i), new Uint8Array(20)), address);
      send(encodeClose(guess(i), 'server full'), address);
    }
  };
  const w = world(undefined, serverOptions, (transport) => {
    socket = transport;
    // Before the server reads the datagram: the forged answers go out ahead of its own.
    return {
      ...transport,
      datagrams$: transport.datagrams$.pipe(tap(({ data, address }) => forge(data, address))),
    };
  });
  const fromServer = (data: Uint8Array, address: Address): void => send(data, address);
  return { ...w, forged, fromServer };
}

describe('answers forged from the server’s address', () => {
  it('change nothing before and during the handshake: the client connects, and is not made host', async () => {
    const { server, machine, client, within, pass, forged } = raced({ remoteShutdown: false });
    await server.run(7000, 'server', machine);
    machine.runGameLoop(20);
    const ann = client('ann');
    await within(ann.connect(7000, 'server'));
    // Two steps, each raced by 15 forged answers; the client ignored and counted every one.
    expect(forged.count).toBe(30);
    expect(ann.ignoredAnswers).toBe(30);
    expect(ann.isHost).toBe(false);
    expect(server.connections.size).toBe(1);
    await within(lastValueFrom(ann.dispatchEvent('JOIN', ['ann']), { defaultValue: 0 }));
    await within(ann.waitUntil((state) => state.players.ann !== undefined));
    await pass(1000);
    expect(ann.connection?.currentStatus).toBe(ConnectionStatus.Connected);
    expect(server.connections.size).toBe(1);
    await ann.disconnect();
    machine.stop();
    await server.shutdown();
  });

  it('leave the host the real server chose, with the real host token', async () => {
    const { server, machine, client, within, forged } = raced();
    await server.run(7000, 'server', machine);
    const ann = client('ann');
    await within(ann.connect(7000, 'server'));
    const bob = client('bob');
    await within(bob.connect(7000, 'server'));
    expect(forged.count).toBe(60);
    expect([ann.isHost, bob.isHost]).toEqual([true, false]);
    // Ann's host token is the server's: it shuts the server down.
    const shutDown = server.whenShutDown();
    await within(ann.disconnect({ shutdownServer: true }));
    await within(shutDown);
    expect(server.address).toBeUndefined();
    expect(server.stats.shutdownsRefused).toBe(0);
    await bob.disconnect();
  });

  it('cannot close a session: closes with a guessed token are counted and ignored', async () => {
    const { server, machine, client, within, pass, fromServer } = raced();
    await server.run(7000, 'server', machine);
    const ann = client('ann');
    await within(ann.connect(7000, 'server'));
    const before = ann.ignoredAnswers;
    const reasons: string[] = [];
    ann.disconnected$.subscribe((reason) => reasons.push(reason));
    const all: CloseReason[] = ['shutdown', 'kicked', 'timeout', 'unknown session', 'error'];
    for (let i = 0; i < 100; i++) {
      fromServer(encodeClose(guess(i), all[i % all.length]!), { host: 'ann', port: 49152 });
    }
    await pass(1000);
    expect(ann.ignoredAnswers - before).toBe(100);
    expect(reasons).toEqual([]);
    expect(server.connections.size).toBe(1);
    expect(ann.connection).toBeDefined();
    await ann.disconnect();
    expect(reasons).toEqual(['disconnected']);
    await server.shutdown();
  });
});
