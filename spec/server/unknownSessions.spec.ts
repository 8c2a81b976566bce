import { filter } from 'rxjs';
import { Server } from '../../lib/server/server';
import {
  decodeRxgasePacket,
  encodeClose,
  encodeData,
  encodeShutdownRequest,
} from '../../lib/protocol/rxgasePackets';
import { UNKNOWN_SESSION_CLOSES_PER_SECOND } from '../../lib/server/unknownSessions';
import type { Address, Datagram, Transport } from '../../lib/transport/datagram';
import type { Arena } from '../helpers/world';
import { arena, world } from '../helpers/world';

/*
 * A packet of a session the server does not know (it ended, or the server restarted) is answered
 * with a small close, `unknown session`, bound to the packet's token and within one budget for
 * the whole server.
 */

const server7000: Address = { host: 'server', port: 7000 };
const token = (n: number): Uint8Array =>
  Uint8Array.from({ length: 8 }, (_, i) => (n >> (i * 4)) & 0xff);

/** A world whose first server can crash: it goes without a word, and its address is free again. */
function crashable() {
  let crashed = false;
  const w = world(undefined, {}, (transport: Transport) => ({
    ...transport,
    datagrams$: transport.datagrams$.pipe(filter(() => !crashed)),
    send: (datagram) => (crashed ? undefined : transport.send(datagram)),
  }));
  const crash = async (): Promise<void> => {
    crashed = true;
    await w.server.shutdown();
  };
  /** A new server process on the same address, with a state of its own. */
  const restart = async (): Promise<Server<Arena>> => {
    const { store, machine } = arena(w.scheduler);
    const server = new Server(store, {
      scheduler: w.scheduler,
      bind: async (port, host) => w.network.bind({ host, port }),
    });
    await server.run(7000, 'server', machine);
    return server;
  };
  return { ...w, crash, restart };
}

describe('a packet of a session the server does not know', () => {
  it('closes the client of a server that restarted at once, with `unknown session`', async () => {
    const { server, machine, client, within, pass, scheduler, crash, restart } = crashable();
    await server.run(7000, 'server', machine);
    const ann = client('ann');
    const reasons: string[] = [];
    ann.disconnected$.subscribe((reason) => reasons.push(reason));
    await within(ann.connect(7000, 'server'));
    await pass(200);
    await crash();
    const again = await restart();
    const restartedAt = scheduler.now();
    let closedAt: number | undefined;
    ann.disconnected$.subscribe(() => (closedAt = scheduler.now()));
    await pass(1000);
    expect(reasons).toEqual(['unknown session']);
    expect(closedAt! - restartedAt).toBeLessThan(200);
    expect(ann.connection).toBeUndefined();
    expect(again.stats.unknownSessions).toBeGreaterThanOrEqual(1);
    expect(again.stats.unknownSessionCloses).toBe(1);
    expect(again.connections.size).toBe(0);
    // And it connects again, to the new server.
    await within(ann.connect(7000, 'server'));
    expect(again.connections.size).toBe(1);
    await ann.disconnect();
    await again.shutdown();
  });

  it('gets a close bound to its token, no larger than it, and a close gets no answer', async () => {
    const { server, machine, network, pass } = world();
    await server.run(7000, 'server', machine);
    const mallory = network.bind({ host: 'mallory' });
    const got: Datagram[] = [];
    mallory.datagrams$.subscribe((datagram) => got.push(datagram));
    const data = encodeData(token(1), [], new Uint8Array(0));
    const shutdown = encodeShutdownRequest(token(2), new Uint8Array(16));
    for (const packet of [data, shutdown, encodeClose(token(3), 'disconnected')]) {
      mallory.send({ data: packet, address: server7000 });
    }
    await pass(100);
    expect(got.map(({ data }) => decodeRxgasePacket(data))).toEqual([
      { kind: 'close', token: token(1), reason: 'unknown session' },
      { kind: 'close', token: token(2), reason: 'unknown session' },
    ]);
    expect(got[0]!.data.length).toBeLessThanOrEqual(data.length);
    expect(got[1]!.data.length).toBeLessThanOrEqual(shutdown.length);
    const { unknownSessions, unknownSessionCloses, refused, shutdownsRefused } = server.stats;
    expect({ unknownSessions, unknownSessionCloses, refused, shutdownsRefused }).toEqual({
      unknownSessions: 2,
      unknownSessionCloses: 2,
      refused: 3,
      shutdownsRefused: 1,
    });
    await server.shutdown();
  });

  it('from many addresses in a victim’s name, gets closes within one budget for the server', async () => {
    const { server, machine, network, pass } = world();
    await server.run(7000, 'server', machine);
    let toVictims = 0;
    let fromVictims = 0;
    const victims = Array.from({ length: 100 }, (_, i) => network.bind({ host: `victim${i}` }));
    for (const victim of victims) {
      victim.datagrams$.subscribe(({ data }) => (toVictims += data.length));
    }
    // 10 seconds of 100 addresses sending 20 packets each a second: 20,000 packets.
    for (let second = 0; second < 10; second++) {
      for (let i = 0; i < 20; i++) {
        for (const [n, victim] of victims.entries()) {
          const data = encodeData(token(n * 1000 + i), [], new Uint8Array(0));
          fromVictims += data.length;
          victim.send({ data, address: server7000 });
        }
        await pass(50);
      }
    }
    const { unknownSessions, unknownSessionCloses } = server.stats;
    expect(unknownSessions).toBe(20_000);
    // The burst, then the rate: 2 x 50 + 10 s x 50.
    expect(unknownSessionCloses).toBeLessThanOrEqual(
      UNKNOWN_SESSION_CLOSES_PER_SECOND * 2 + 10 * UNKNOWN_SESSION_CLOSES_PER_SECOND,
    );
    expect(unknownSessionCloses).toBeGreaterThanOrEqual(10 * UNKNOWN_SESSION_CLOSES_PER_SECOND);
    expect(toVictims).toBe(unknownSessionCloses * 14);
    expect(toVictims).toBeLessThan(fromVictims / 20);
    await server.shutdown();
  });
});
