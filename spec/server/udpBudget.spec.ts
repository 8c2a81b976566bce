import { filter, firstValueFrom, interval, lastValueFrom, map, take, tap, timeout } from 'rxjs';
import { Client } from '../../lib/client/client';
import { pygaseHandler } from '../../lib/connection/eventHandlers';
import { appendEvents, encodeClientPackage, encodeEvent } from '../../lib/protocol/encode';
import type { RxgasePacket } from '../../lib/protocol/rxgasePackets';
import {
  decodeRxgasePacket,
  encodeChallengeResponse,
  encodeConnectRequest,
  encodeData,
} from '../../lib/protocol/rxgasePackets';
import { Server } from '../../lib/server/server';
import type { ServerOptions } from '../../lib/server/serverOptions';
import type { Address } from '../../lib/transport/datagram';
import { addressKey } from '../../lib/transport/datagram';
import { bindUdp } from '../../lib/transport/udpTransport';
import type { UdpTransport } from '../../lib/transport/udpTransport';
import type { Arena } from '../helpers/world';
import { arena } from '../helpers/world';

/*
 * A client that completed the handshake floods the server from inside its session, over real UDP
 * on 127.0.0.1, while two real clients play: what the attacker did to the server before sessions
 * had budgets (5,000 packages a second, 30 events each).
 */

const opened: { close(): unknown }[] = [];

afterEach(async () => {
  for (const thing of opened.splice(0).reverse()) await thing.close();
});

/** The rxgase packets `socket` receives. */
function packets(socket: UdpTransport) {
  return socket.datagrams$.pipe(
    map(({ data }): RxgasePacket | undefined => {
      try {
        return decodeRxgasePacket(data);
      } catch {
        return undefined; // a PyGaSe package: not looked at
      }
    }),
    filter((packet): packet is RxgasePacket => packet !== undefined),
  );
}

/** A bare socket through the handshake, by hand: its session token. */
async function handshake(socket: UdpTransport, server: Address): Promise<Uint8Array> {
  const nonce = Uint8Array.of(9, 8, 7, 6, 5, 4, 3, 2);
  const challenge = firstValueFrom(packets(socket).pipe(filter((p) => p.kind === 'challenge')));
  socket.send({ data: encodeConnectRequest(nonce), address: server });
  const challenged = await challenge;
  if (challenged.kind !== 'challenge') throw new Error('no challenge');
  const accept = firstValueFrom(packets(socket).pipe(filter((p) => p.kind === 'accept')));
  socket.send({ data: encodeChallengeResponse(nonce, challenged.cookie), address: server });
  const accepted = await accept;
  if (accepted.kind !== 'accept') throw new Error('no accept');
  return accepted.session;
}

describe('session budgets over real UDP on 127.0.0.1', () => {
  it('drops and counts a flood from inside a session, kicks the flooder, and the players play on', async () => {
    const { store, machine } = arena();
    const handled = new Map<string, number[]>();
    machine.registerEventHandler(
      'MOVE',
      pygaseHandler((name: string, x: number) => {
        handled.set(name, [...(handled.get(name) ?? []), x]);
        return { players: { [name]: { x } } };
      }),
    );
    // This one process both floods and serves, and sends about a thousand packages a second at
    // most: the budget is scaled down to keep the attacker's ratio (5,000 a second against 640).
    // The players send well under it, as they do under the default.
    const options: ServerOptions = { sessionBudget: { packagesPerSecond: 150, packageBurst: 75 } };
    const server = new Server(store, options);
    const address = await server.run(0, '127.0.0.1', machine);
    machine.runGameLoop(20);
    opened.push({ close: () => server.shutdown() }, { close: () => machine.stop() });
    const disconnected: { client: string; reason: string }[] = [];
    server.disconnected$.subscribe(({ client, reason }) =>
      disconnected.push({ client: addressKey(client), reason }),
    );

    const players = ['ann', 'bob'].map(() => new Client<Arena>());
    for (const player of players) {
      opened.push({ close: () => player.disconnect() });
      await player.connect(address.port, '127.0.0.1');
    }
    const mallory = await bindUdp({ host: '127.0.0.1' });
    opened.push(mallory);
    const session = await handshake(mallory, address);
    const kicked = firstValueFrom(
      packets(mallory).pipe(
        filter((p) => p.kind === 'close'),
        timeout(15_000),
      ),
    );

    // 5,000 packages a second, 30 events each, 50 every 10 ms, until the server closes on her.
    const event = encodeEvent({ type: 'MOVE', args: ['mallory', 1], kwargs: {} });
    const events = Array.from({ length: 30 }, () => event);
    let sequence = 0;
    let eventId = 0;
    const flood = interval(10).subscribe(() => {
      for (let i = 0; i < 50; i++) {
        sequence++;
        const header = { sequence, ack: 0, ackBitfield: 0 };
        const pkg = appendEvents(encodeClientPackage({ header, timeOrder: 0, events: [] }), events);
        const ids = events.map(() => ++eventId);
        mallory.send({ data: encodeData(session, ids, pkg), address });
      }
    });
    opened.push({ close: () => flood.unsubscribe() });

    // Meanwhile each player moves every 50 ms, 60 times, each move with retries.
    const names = ['ann', 'bob'];
    const acks: Promise<unknown>[] = [];
    await Promise.all(
      players.map((player, p) =>
        lastValueFrom(
          interval(50).pipe(
            take(60),
            tap((x) =>
              acks.push(
                lastValueFrom(player.dispatchEvent('MOVE', [names[p], x], {}, { retries: 5 }), {
                  defaultValue: 'acked',
                }).catch((error: unknown) => error),
              ),
            ),
          ),
        ),
      ),
    );
    expect(await Promise.all(acks)).toEqual(Array(120).fill('acked'));

    const close = await kicked;
    flood.unsubscribe();
    expect(close).toMatchObject({ kind: 'close', reason: 'flooding' });
    expect(disconnected).toContainEqual({
      client: addressKey(mallory.address),
      reason: 'flooding',
    });
    // Her flood was dropped before it was decoded, and counted with its events.
    const stats = server.stats;
    expect(stats.overBudget).toBeGreaterThan(stats.routed / 2);
    expect(stats.eventsOverBudget).toBe(stats.overBudget * 30);
    // The players were never held back, and every move of theirs was handled, in order.
    for (const connection of server.connections.values()) {
      expect(connection.stats).toMatchObject({ overBudget: 0, eventsOverBudget: 0 });
    }
    for (const [p, player] of players.entries()) {
      const name = names[p]!;
      await player.waitUntil((state) => state.players[name]?.x === 59, 5000);
      expect(handled.get(name)).toEqual(Array.from({ length: 60 }, (_, x) => x));
    }
    expect(server.connections.size).toBe(2);
  }, 30_000);
});
