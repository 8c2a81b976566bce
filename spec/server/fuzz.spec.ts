import { Subject, filter, firstValueFrom, lastValueFrom, map, merge, tap } from 'rxjs';
import { appendEvents, encodeClientPackage, encodeEvent } from '../../lib/protocol/encode';
import {
  decodeRxgasePacket,
  encodeChallengeResponse,
  encodeConnectRequest,
  encodeData,
} from '../../lib/protocol/rxgasePackets';
import type { RxgasePacket } from '../../lib/protocol/rxgasePackets';
import type { Address, Datagram, Transport } from '../../lib/transport/datagram';
import { addressKey } from '../../lib/transport/datagram';
import { ConnectionStatus } from '../../lib/connection/connection';
import {
  FRAGMENT_OVERHEAD,
  FRAGMENT_PAYLOAD_SIZE,
  PacketKind,
} from '../../lib/protocol/rxgasePackets';
import { badDatagrams } from '../helpers/badDatagrams';
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
 * the server sends back to addresses that are not players is counted, not delivered. Among
 * them, a client that passed the handshake floods from inside its session.
 */

/**
 * A client's handshake by hand, from `transport` to the server at `server`, with a nonce of eight
 * `seed` bytes: the accept, whose session the caller then speaks for.
 */
async function acceptedByHand(
  transport: Transport,
  server: Address,
  seed: number,
  within: <T>(promise: Promise<T>) => Promise<T>,
): Promise<Extract<RxgasePacket, { kind: 'accept' }>> {
  const answers = transport.datagrams$.pipe(map(({ data }) => decodeRxgasePacket(data)));
  const nonce = new Uint8Array(8).fill(seed);
  const challenged = firstValueFrom(answers);
  transport.send({ data: encodeConnectRequest(nonce), address: server });
  const challenge = await within(challenged);
  if (challenge.kind !== 'challenge') throw new Error(`a ${challenge.kind}, not a challenge`);
  const accepted = firstValueFrom(answers.pipe(filter(({ kind }) => kind === 'accept')));
  transport.send({ data: encodeChallengeResponse(nonce, challenge.cookie), address: server });
  const accept = await within(accepted);
  if (accept.kind !== 'accept') throw new Error(`a ${accept.kind}, not an accept`);
  return accept;
}

describe('the server under a flood of bad datagrams', () => {
  it(`stays up, counts all ${DATAGRAMS.toLocaleString('en')} of them, and its game is what the players made it`, async () => {
    const flood = new Subject<Datagram>();
    const replies = { bytes: 0 };
    let strangerBytes = 0;
    /** Bytes each stranger sent, and bytes the server sent back to it, by address. */
    const fromStranger = new Map<string, number>();
    const toStranger = new Map<string, number>();
    const players = new Set(PLAYERS.map((name, i) => addressKey({ host: name, port: 49152 + i })));
    const recorded: Uint8Array[] = [];
    /** The server's own socket: forged answers go out of it, in the server's name. */
    let serverSocket: Transport | undefined;
    const { server, machine, client, store, network, pass, within } = world(
      undefined,
      { legacyClients: false },
      (transport: Transport): Transport => {
        serverSocket = transport;
        return {
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
            const key = addressKey(datagram.address);
            toStranger.set(key, (toStranger.get(key) ?? 0) + datagram.data.length);
          },
        };
      },
    );
    /** Closes forged in the server's name, by player: each is one its client ignores. */
    const forgedCloses = new Map<string, number>();
    await server.run(7000, 'server', machine);
    machine.runGameLoop(50);
    const clients = PLAYERS.map((name) => client(name));
    const closedPlayers: string[] = [];
    for (const [i, player] of clients.entries()) {
      player.disconnected$.subscribe((reason) => closedPlayers.push(`${PLAYERS[i]}: ${reason}`));
    }
    for (const [i, player] of clients.entries()) {
      await within(player.connect(7000, 'server'));
      await within(lastValueFrom(player.dispatchEvent('JOIN', [PLAYERS[i]]), { defaultValue: 0 }));
    }

    const fuzz = badDatagrams(2026);
    const strangers = Array.from({ length: 5000 }, (_, i) => ({
      host: `10.0.${i >> 8}.${i & 255}`,
      port: 1000 + i,
    }));
    const playerAddresses = PLAYERS.map((name, i) => ({ host: name, port: 49152 + i }));
    // A flooder through the handshake by hand, then sending its own session's packages, 30
    // events each, a tenth of the flood: tens of thousands a second.
    const flooder = network.bind({ host: 'flooder', port: 666 });
    players.add(addressKey(flooder.address));
    const serverAddress = { host: 'server', port: 7000 };
    const accept = await acceptedByHand(flooder, serverAddress, 6, within);
    const kicks: string[] = [];
    server.disconnected$.subscribe(({ client: who, reason }) =>
      kicks.push(`${who.host} ${reason}`),
    );
    const spam = Array.from({ length: 30 }, (_, i) =>
      encodeEvent({ type: 'SPAM', args: ['flooder', i], kwargs: {} }),
    );
    let floodSequence = 0;
    const inSession = (): Datagram => {
      floodSequence = (floodSequence % 0xffff) + 1;
      const header = { sequence: floodSequence, ack: 0, ackBitfield: 0 };
      const pkg = appendEvents(encodeClientPackage({ header, timeOrder: 0, events: [] }), spam);
      const ids = spam.map((_, i) => floodSequence * 30 + i);
      return { data: encodeData(accept.session, ids, pkg), address: flooder.address };
    };
    /** From a stranger: anything. In a player's name: what a spoofer who cannot see their packets can forge. */
    const badDatagram = (): Datagram => {
      const roll = fuzz.random();
      if (roll < 0.1) return inSession();
      if (roll < 0.8) {
        const data = fuzz.fromStranger(recorded);
        strangerBytes += data.length;
        const address = fuzz.pick(strangers);
        const key = addressKey(address);
        fromStranger.set(key, (fromStranger.get(key) ?? 0) + data.length);
        return { data, address };
      }
      return { data: fuzz.inPlayersName(recorded), address: fuzz.pick(playerAddresses) };
    };

    /** How long the flood lasts, in virtual ms: 20 for each batch. */
    const floodedMs = (DATAGRAMS / BATCH) * 20;
    const before = server.stats;
    for (let sent = 0; sent < DATAGRAMS; sent += BATCH) {
      for (let i = 0; i < Math.min(BATCH, DATAGRAMS - sent); i++) flood.next(badDatagram());
      // Answers forged in the server's name reach the players: accepts, challenges, closes.
      for (const address of playerAddresses) {
        const data = fuzz.fromServer();
        if (data[4] === PacketKind.Close) {
          forgedCloses.set(address.host, (forgedCloses.get(address.host) ?? 0) + 1);
        }
        serverSocket?.send({ data, address });
      }
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
    // Replays refused, and packets of unknown sessions told so, all within what was refused.
    expect(took('replaysRefused')).toBeGreaterThan(0);
    expect(took('unknownSessionCloses')).toBeGreaterThan(0);
    expect(took('unknownSessionCloses')).toBeLessThanOrEqual(took('unknownSessions'));
    expect(took('replaysRefused') + took('unknownSessions')).toBeLessThanOrEqual(took('refused'));
    // No connection for anyone but the players, and never more bytes to strangers than they sent.
    expect([...server.connections.keys()].sort()).toEqual(
      [...players].filter((key) => floodedMs <= 3500 || !key.startsWith('flooder')).sort(),
    );
    expect(after.connects).toBe(PLAYERS.length + 1); // and the flooder
    expect(replies.bytes).toBeLessThanOrEqual(strangerBytes);
    // Nor to any one of them: a few big datagrams from one cannot pay for answers to another.
    expect(toStranger.size).toBeGreaterThan(0);
    const overpaid = [...toStranger].filter(([key, bytes]) => bytes > (fromStranger.get(key) ?? 0));
    expect(overpaid).toEqual([]);
    // The flooder was held to its budget, and kicked once it had flooded for 3 s (a smaller
    // FUZZ_DATAGRAMS may end the flood sooner); the players never were.
    expect(kicks).toEqual(floodedMs > 3500 ? ['flooder flooding'] : []);
    expect(took('overBudget')).toBeGreaterThan(DATAGRAMS * 0.05);
    for (const connection of server.connections.values()) {
      expect(connection.stats.overBudget).toBe(0);
    }
    // The game is what the players made it: each at its last move, no one else in it.
    const last = Math.ceil(DATAGRAMS / BATCH) - 1;
    expect(store.getGameState().players).toEqual(
      Object.fromEntries(PLAYERS.map((name) => [name, { x: last, score: 0 }])),
    );
    for (const player of clients) {
      expect(player.state.players).toEqual(store.getGameState().players);
    }
    // No forged answer moved a player: each forged close was ignored (and so were the server's
    // refusals of requests forged in its name), none made it the host or closed it.
    for (const [i, player] of clients.entries()) {
      expect(player.ignoredAnswers).toBeGreaterThanOrEqual(forgedCloses.get(PLAYERS[i]!)!);
      expect(player.isHost).toBe(i === 0);
      expect(player.connection?.currentStatus).toBe(ConnectionStatus.Connected);
    }
    expect(closedPlayers).toEqual([]);
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

/**
 * Fragments, the one packet a server holds on to: from strangers, which must cost it nothing,
 * and from a player inside its own session, which may cost it no more than its bounds.
 */
describe('the server under a flood of fragments', () => {
  const MAX_REASSEMBLY_BYTES = 256 * 1024;
  /** A fragment as anyone can write one: any session, message, index and count. */
  const fragment = (session: Uint8Array, id: number, index: number, count: number): Uint8Array => {
    const size = index === count - 1 ? 1 + (id % FRAGMENT_PAYLOAD_SIZE) : FRAGMENT_PAYLOAD_SIZE;
    const data = new Uint8Array(FRAGMENT_OVERHEAD + size);
    data.set([0xff, 0xd0, 0xfa, 0xba, PacketKind.Fragment]);
    data.set(session, 5);
    const view = new DataView(data.buffer);
    view.setUint16(13, id);
    view.setUint16(15, index);
    view.setUint16(17, count);
    return data;
  };

  it('holds nothing for strangers, never more than its budget for a player, and counts every drop', async () => {
    const flood = new Subject<Datagram>();
    const { server, machine, client, network, pass, within } = world(
      undefined,
      { legacyClients: false, maxReassemblyBytes: MAX_REASSEMBLY_BYTES },
      (transport: Transport): Transport => ({
        ...transport,
        datagrams$: merge(transport.datagrams$, flood),
        send: (datagram) => {
          if (datagram.address.host.startsWith('10.')) return; // strangers hear nothing back
          transport.send(datagram);
        },
      }),
    );
    await server.run(7000, 'server', machine);
    machine.runGameLoop(50);
    const ann = client('ann');
    await within(ann.connect(7000, 'server'));
    const fuzz = badDatagrams(15);
    const pick = (n: number): number => Math.floor(fuzz.random() * n);
    const token = (): Uint8Array => Uint8Array.from({ length: 8 }, () => pick(256));

    // Strangers first: fragments of made-up sessions from 1000 addresses allocate nothing.
    const stranger = (i: number): Address => ({ host: `10.1.${i >> 8}.${i & 255}`, port: 2000 });
    for (let batch = 0; batch < 20; batch++) {
      for (let i = 0; i < 500; i++) {
        const count = 2 + pick(800);
        flood.next({
          data: fragment(token(), pick(0x10000), pick(count), count),
          address: stranger(pick(1000)),
        });
      }
      expect(server.stats.reassemblyBytes).toBe(0);
      await pass(20);
    }
    expect(server.stats).toMatchObject({ reassemblyBytes: 0, fragmentsDropped: 0, clients: 1 });

    // Then a player, through the handshake by hand, floods fragments of its own session.
    const flooder = network.bind({ host: 'flooder', port: 666 });
    const serverAddress = { host: 'server', port: 7000 };
    const accept = await acceptedByHand(flooder, serverAddress, 7, within);
    let peak = 0;
    let sent = 0;
    for (let batch = 0; batch < 40; batch++) {
      for (let i = 0; i < 500; i++, sent++) {
        // A few message ids at a time, so that some messages grow large before they are dropped.
        const id = batch * 3 + pick(3);
        const count = 2 + ((id * 97) % 887);
        const data = fragment(accept.session, id, pick(count), count);
        flood.next({ data, address: flooder.address });
        peak = Math.max(peak, server.stats.reassemblyBytes);
      }
      await pass(20);
    }
    expect(peak).toBeGreaterThan(MAX_REASSEMBLY_BYTES / 2);
    expect(peak).toBeLessThanOrEqual(MAX_REASSEMBLY_BYTES);
    const flooding = server.stats;
    expect(flooding.fragmentsDropped).toBeGreaterThan(sent / 10);
    // Everything it held expires within a second of its first fragment.
    await pass(1500);
    expect(server.stats.reassemblyBytes).toBe(0);

    // And a player's own large event still goes through, whole.
    const big = Uint8Array.from({ length: 20_000 }, (_, i) => i % 253);
    const heard = firstValueFrom(server.on('BIG'));
    await within(
      lastValueFrom(ann.dispatchEvent('BIG', [big], {}, { retries: 2 }), { defaultValue: 0 }),
    );
    expect((await within(heard)).event.args[0]).toEqual(big);
    expect(server.stats.reassemblyBytes).toBe(0);
    await ann.disconnect();
    machine.stop();
    await server.shutdown();
  }, 60_000);
});
