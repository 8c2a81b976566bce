import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import {
  Subject,
  filter,
  firstValueFrom,
  interval,
  lastValueFrom,
  merge,
  startWith,
  tap,
  throwError,
  timeout,
} from 'rxjs';
import type { Observable } from 'rxjs';
import { Client } from '../../lib/client/client';
import { Server } from '../../lib/server/server';
import type { ServerStats } from '../../lib/server/serverStats';
import type { Address } from '../../lib/transport/datagram';
import { bindSocket, bindUdp } from '../../lib/transport/udpTransport';
import { badDatagrams } from '../helpers/badDatagrams';
import type { Arena } from '../helpers/world';
import { arena } from '../helpers/world';

/** How many bad datagrams go over UDP: a sample of what the in-memory fuzz sends. */
const DATAGRAMS = 20_000;
const SOCKETS = 32;
/** Each batch comes from a few of the sockets, and ends with an end mark from each of them. */
const BATCH = 250;
const SOCKETS_A_BATCH = 4;
const FINAL_X = 1000;

/*
 * Nothing reads a socket while a batch is being sent, so a flood sent all at once overflows the
 * server's receive buffer and most of it is lost. So the flood goes in batches, and the next waits
 * until the end marks of the last have arrived: from one socket to another on 127.0.0.1,
 * datagrams keep their order, so all of a batch is in (or lost) once its marks are.
 */
const MARK = 'the end of batch ';
const marked = (batch: number): Uint8Array => new TextEncoder().encode(`${MARK}${batch}`);
const markOf = (data: Uint8Array): number | undefined => {
  const text = Buffer.from(data).toString('latin1');
  return text.startsWith(MARK) ? Number(text.slice(MARK.length)) : undefined;
};

/**
 * Resolves once `condition` holds, checked whenever `changes$` emits; runs `again` every 50 ms
 * meanwhile (to send again what may have been lost); fails after `ms`.
 */
function until(
  condition: () => boolean,
  changes$: Observable<unknown>,
  again: () => void = () => undefined,
  ms = 8000,
) {
  return firstValueFrom(
    merge(changes$, interval(50).pipe(tap(again))).pipe(
      startWith(0),
      filter(condition),
      timeout({ first: ms, with: () => throwError(() => new Error(`not within ${ms} ms`)) }),
    ),
  );
}

function send(socket: Socket, data: Uint8Array, to: Address): void {
  socket.send(data, to.port, to.host);
}

/**
 * A sample of the fuzz (spec/server/fuzz.spec.ts) over real UDP: the same kinds of bad datagrams,
 * from 32 real sockets on 127.0.0.1, at a running server while a real client plays. Loopback UDP
 * may still drop some, so the counts are checked against what the server received, as its
 * transport saw it, not against what was sent.
 */
describe('the server under bad datagrams over real UDP on 127.0.0.1', () => {
  it(`stays up, counts every one of ${DATAGRAMS.toLocaleString('en')} it received, and the game goes on`, async () => {
    const { store, machine } = arena();
    const floodPorts = new Set<number>();
    const arrived = { flood: 0, player: 0 };
    /** The bytes the server received from each flooding socket, by port. */
    const arrivedBytes = new Map<number, number>();
    const marks = new Subject<number>();
    const marksSeen = new Map<number, Set<number>>();
    const recorded: Uint8Array[] = [];
    const server = new Server(store, {
      legacyClients: false,
      bind: async (port, host) => {
        const transport = await bindUdp({ port, host });
        const datagrams$ = transport.datagrams$.pipe(
          tap(({ data, address }) => {
            if (!floodPorts.has(address.port)) {
              arrived.player++;
              if (recorded.length < 500) recorded.push(new Uint8Array(data));
              return;
            }
            arrived.flood++;
            arrivedBytes.set(address.port, (arrivedBytes.get(address.port) ?? 0) + data.length);
            const batch = markOf(data);
            if (batch === undefined) return;
            const ports = marksSeen.get(batch) ?? new Set<number>();
            marksSeen.set(batch, ports.add(address.port));
            marks.next(batch);
          }),
        );
        return { ...transport, datagrams$ };
      },
    });
    let moved = 0;
    server.events$.subscribe(({ event }) => (moved += event.type === 'MOVE' ? 1 : 0));
    const address = await server.run(0, '127.0.0.1', machine);
    machine.runGameLoop(20);
    const ann = new Client<Arena>();
    await ann.connect(address.port, '127.0.0.1');
    await lastValueFrom(ann.dispatchEvent('JOIN', ['ann'], {}, { retries: 5 }), {
      defaultValue: 0,
    });
    await until(() => recorded.length >= 20, ann.state$);

    const sockets = await Promise.all(
      Array.from({ length: SOCKETS }, async () => {
        const socket = createSocket('udp4');
        await bindSocket(socket, 0, '127.0.0.1');
        floodPorts.add(socket.address().port);
        return socket;
      }),
    );
    const bytes = { sent: 0, back: 0 };
    /** The bytes that came back to each flooding socket, by port. */
    const backBytes = new Map<number, number>();
    for (const socket of sockets) {
      const port = socket.address().port;
      socket.on('message', (data) => {
        bytes.back += data.length;
        backBytes.set(port, (backBytes.get(port) ?? 0) + data.length);
      });
    }

    const fuzz = badDatagrams(2027);
    const before = { stats: server.stats, ...arrived };
    const moves: Observable<void>[] = [];
    for (let batch = 0; batch < DATAGRAMS / BATCH; batch++) {
      const from = Array.from(
        { length: SOCKETS_A_BATCH },
        (_, i) => sockets[(batch * SOCKETS_A_BATCH + i) % SOCKETS] as Socket,
      );
      for (let i = 0; i < BATCH; i++) {
        const data =
          fuzz.random() < 0.8 ? fuzz.fromStranger(recorded) : fuzz.inPlayersName(recorded);
        bytes.sent += data.length;
        send(fuzz.pick(from), data, address);
      }
      // Ann plays on meanwhile.
      moves.push(ann.dispatchEvent('MOVE', ['ann', batch], {}, { retries: 10 }));
      const end = (): void => from.forEach((socket) => send(socket, marked(batch), address));
      end();
      await until(() => marksSeen.get(batch)?.size === SOCKETS_A_BATCH, marks, end);
    }
    // Every move acked (one that was not would fail this); then one more, once none is in flight,
    // so that it is the last to land.
    await lastValueFrom(merge(...moves), { defaultValue: 0 });
    await lastValueFrom(ann.dispatchEvent('MOVE', ['ann', FINAL_X], {}, { retries: 10 }), {
      defaultValue: 0,
    });
    const after: ServerStats = server.stats;
    const took = (key: keyof ServerStats): number => after[key] - before.stats[key];
    const flood = arrived.flood - before.flood;
    const player = arrived.player - before.player;

    // Alive, and every datagram it received is in exactly one count: Ann's all routed to her
    // connection, the flood's all rate limited, malformed, refused or answered as control.
    expect(server.address).toEqual(address);
    expect(took('datagramsIn')).toBe(flood + player);
    expect(
      took('rateLimited') + took('malformed') + took('refused') + took('control') + took('routed'),
    ).toBe(took('datagramsIn'));
    expect(took('routed')).toBe(player);
    expect(took('rateLimited') + took('malformed') + took('refused') + took('control')).toBe(flood);
    expect(flood).toBeGreaterThan(0);
    expect(took('malformed')).toBeGreaterThan(0);
    // Packets of unknown sessions among them, told so within the server's budget (and within
    // what each socket sent, below).
    expect(took('unknownSessionCloses')).toBeGreaterThan(0);
    expect(took('unknownSessionCloses')).toBeLessThanOrEqual(took('unknownSessions'));
    // Nothing allocated for the flood, and no more bytes back than it sent.
    expect(server.connections.size).toBe(1);
    expect(took('connects')).toBe(0);
    expect(bytes.back).toBeLessThanOrEqual(bytes.sent);
    // Nor to any one socket more than the server received from it.
    expect(backBytes.size).toBeGreaterThan(0);
    const overpaid = [...backBytes].filter(([port, back]) => back > (arrivedBytes.get(port) ?? 0));
    expect(overpaid).toEqual([]);
    // Ann's moves all arrived, each handled once, and her state is the server's.
    expect(moved).toBe(DATAGRAMS / BATCH + 1);
    await until(() => store.getGameState().players.ann?.x === FINAL_X, store.state$);
    expect(store.getGameState().players).toEqual({ ann: { x: FINAL_X, score: 0 } });
    await ann.waitUntil((state) => state.players.ann?.x === FINAL_X);
    expect(ann.state.players).toEqual(store.getGameState().players);

    // And a new client still connects and plays.
    const bob = new Client<Arena>();
    await bob.connect(address.port, '127.0.0.1');
    await lastValueFrom(bob.dispatchEvent('JOIN', ['bob'], {}, { retries: 5 }), {
      defaultValue: 0,
    });
    await bob.waitUntil(
      (state) => state.players.bob !== undefined && state.players.ann?.x === FINAL_X,
    );
    expect(server.connections.size).toBe(2);

    for (const socket of sockets) socket.close();
    await bob.disconnect();
    await ann.disconnect();
    machine.stop();
    await server.shutdown();
  }, 20_000);
});
