import { Subject, lastValueFrom, merge, tap } from 'rxjs';
import { SHUTDOWN_WORD } from '../../lib/protocol/constants';
import {
  encodeClose,
  encodeConnectRequest,
  encodeShutdownRequest,
  isRxgasePacket,
} from '../../lib/protocol/rxgasePackets';
import type { Datagram, Transport } from '../../lib/transport/datagram';
import { addressKey } from '../../lib/transport/datagram';
import { seededRandom } from '../../lib/transport/random';
import type { Arena } from '../helpers/world';
import { world } from '../helpers/world';

/** How many bad datagrams the fuzz sends: `FUZZ_DATAGRAMS` (`npm run soak` sends more). */
const DATAGRAMS = Number(process.env.FUZZ_DATAGRAMS ?? 1_000_000);
const BATCH = 5_000;
const PLAYERS = ['ann', 'bob', 'cat', 'dan'];

/**
 * A running server, four rxgase clients playing on it, and a flood of random and mutated
 * datagrams from thousands of addresses, some of them the players' own. The flood goes straight
 * into the server's transport (a real network would deliver it the same way, only slower); what
 * the server sends back to addresses that are not players is counted, not delivered.
 */
describe('the server under a flood of bad datagrams', () => {
  it(`stays up, counts all ${DATAGRAMS.toLocaleString('en')} of them, and its game is what the players made it`, async () => {
    const flood = new Subject<Datagram>();
    const replies = { bytes: 0 };
    let strangerBytes = 0;
    const players = new Set(PLAYERS.map((name, i) => addressKey({ host: name, port: 49152 + i })));
    const recorded: Uint8Array[] = [];
    const { server, machine, client, store, pass, within } = world(
      undefined,
      { legacyClients: false },
      (transport: Transport): Transport => ({
        ...transport,
        datagrams$: merge(
          transport.datagrams$.pipe(
            tap(({ data }) => recorded.length < 2000 && recorded.push(data)),
          ),
          flood,
        ),
        send: (datagram) => {
          if (players.has(addressKey(datagram.address))) return transport.send(datagram);
          replies.bytes += datagram.data.length;
        },
      }),
    );
    await server.run(7000, 'server', machine);
    machine.runGameLoop(50);
    const clients = PLAYERS.map((name) => client(name));
    for (const [i, player] of clients.entries()) {
      await within(player.connect(7000, 'server'));
      await within(lastValueFrom(player.dispatchEvent('JOIN', [PLAYERS[i]]), { defaultValue: 0 }));
    }

    const random = seededRandom(2026);
    const int = (n: number): number => Math.floor(random() * n);
    const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
    const randomBytes = (n: number): Uint8Array => {
      const words = new Uint32Array(Math.ceil(n / 4));
      for (let i = 0; i < words.length; i++) words[i] = random() * 2 ** 32;
      return new Uint8Array(words.buffer, 0, n);
    };
    const strangers = Array.from({ length: 5000 }, (_, i) => ({
      host: `10.0.${i >> 8}.${i & 255}`,
      port: 1000 + i,
    }));
    const playerAddresses = PLAYERS.map((name, i) => ({ host: name, port: 49152 + i }));
    const mutate = (real: Uint8Array): Uint8Array => {
      const copy = new Uint8Array(real);
      switch (int(7)) {
        case 0: // truncated
          return copy.subarray(0, int(copy.length));
        case 1: // bits flipped
          for (let i = 0, n = 1 + int(4); i < n; i++) copy[int(copy.length)]! ^= 1 << int(8);
          return copy;
        case 2: // a wrong length somewhere
          if (copy.length > 2) copy.set([int(256), int(256)], int(copy.length - 1));
          return copy;
        case 3: {
          // a huge msgpack header (array 32, map 32, str 32, bin 32) in the middle
          const at = int(copy.length);
          const header = pick([[0xdd], [0xdf], [0xdb], [0xc6]]).concat([0xff, 0xff, 0xff, 0xf0]);
          return Uint8Array.from([...copy.subarray(0, at), ...header, ...copy.subarray(at)]);
        }
        case 4: // another protocol id
          copy[3] = pick([0xb9, 0xbb, 0x00]);
          return copy;
        case 5: {
          // grown past what a package may be
          const grown = new Uint8Array(2049 + int(1000));
          for (let at = 0; at < grown.length; at += copy.length) {
            grown.set(copy.subarray(0, grown.length - at), at);
          }
          return grown;
        }
        default: // replayed as it was
          return copy;
      }
    };
    /** From a stranger: anything. In a player's name: what a spoofer who cannot see their packets can forge. */
    const badDatagram = (): Datagram => {
      if (random() < 0.8) {
        const data =
          random() < 0.3
            ? randomBytes(int(random() < 0.9 ? 80 : 3000))
            : random() < 0.2
              ? pick([
                  encodeConnectRequest(randomBytes(8)),
                  SHUTDOWN_WORD,
                  encodeClose(randomBytes(8), 'kicked'),
                ])
              : mutate(pick(recorded));
        strangerBytes += data.length;
        return { data, address: pick(strangers) };
      }
      const real = pick(recorded);
      const data = pick([
        () => new Uint8Array(real), // an exact replay
        () => {
          // the session token guessed wrong
          const forged = new Uint8Array(real);
          if (isRxgasePacket(forged)) forged.set(randomBytes(8), 5);
          return forged;
        },
        () => randomBytes(int(100)),
        () => encodeShutdownRequest(randomBytes(8), randomBytes(16)),
        () => encodeClose(randomBytes(8), 'disconnected'),
        () => SHUTDOWN_WORD,
      ])();
      return { data, address: pick(playerAddresses) };
    };

    const before = server.stats;
    for (let sent = 0; sent < DATAGRAMS; sent += BATCH) {
      for (let i = 0; i < Math.min(BATCH, DATAGRAMS - sent); i++) flood.next(badDatagram());
      // The players play on, in between.
      for (const [i, player] of clients.entries()) {
        player
          .dispatchEvent('MOVE', [PLAYERS[i], sent / BATCH])
          .subscribe({ error: () => undefined });
      }
      await pass(20);
    }
    await pass(3000);
    const after = server.stats;

    // Alive, and every datagram it received is in exactly one count.
    expect(server.address).toBeDefined();
    const took = (key: keyof typeof after): number => after[key] - before[key];
    expect(took('datagramsIn')).toBeGreaterThanOrEqual(DATAGRAMS);
    expect(
      took('rateLimited') + took('malformed') + took('refused') + took('control') + took('routed'),
    ).toBe(took('datagramsIn'));
    expect(took('malformed') + took('refused') + took('rateLimited')).toBeGreaterThan(
      DATAGRAMS * 0.5,
    );
    // No connection for anyone but the players, and never more bytes to strangers than they sent.
    expect([...server.connections.keys()].sort()).toEqual([...players].sort());
    expect(after.connects).toBe(PLAYERS.length);
    expect(replies.bytes).toBeLessThanOrEqual(strangerBytes);
    // The game is what the players made it: each at its last move, no one else in it.
    const last = Math.ceil(DATAGRAMS / BATCH) - 1;
    expect(store.getGameState().players).toEqual(
      Object.fromEntries(PLAYERS.map((name) => [name, { x: last, score: 0 }])),
    );
    for (const player of clients) {
      expect(player.state.players).toEqual(store.getGameState().players);
    }
    // And a new player still connects and plays.
    const late = client('eve');
    players.add(addressKey({ host: 'eve', port: 49156 }));
    await within(late.connect(7000, 'server'));
    await within(lastValueFrom(late.dispatchEvent('JOIN', ['eve']), { defaultValue: 0 }));
    await within(late.waitUntil((state: Arena) => state.players.eve !== undefined));
    for (const player of [...clients, late]) await player.disconnect();
    machine.stop();
    await server.shutdown();
  }, 120_000);
});
