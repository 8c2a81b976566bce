import { tap } from 'rxjs';
import type { RxgasePacket } from '../../lib/protocol/rxgasePackets';
import { decodeRxgasePacket, isRxgasePacket } from '../../lib/protocol/rxgasePackets';
import type { ClientConnected } from '../../lib/server/clientConnection';
import type { Address, Transport } from '../../lib/transport/datagram';
import { addressKey } from '../../lib/transport/datagram';
import { world } from '../helpers/world';

/*
 * An attacker who once saw a client's challenge response sends it again. A challenge response is
 * good once: a replay opens no session, ends none, and gets no more bytes than it carried.
 */

const server7000: Address = { host: 'server', port: 7000 };
const annAddress: Address = { host: 'ann', port: 49152 };

function kindOf(data: Uint8Array): RxgasePacket['kind'] | undefined {
  if (!isRxgasePacket(data)) return undefined;
  try {
    return decodeRxgasePacket(data).kind;
  } catch {
    return undefined;
  }
}

/**
 * A world that records the challenge responses the server receives and what it sends, and drops
 * the first `dropAccepts` accepts it sends.
 */
function recorded(dropAccepts = 0) {
  const responses: Uint8Array[] = [];
  const sent: { to: string; kind: string | undefined; bytes: number }[] = [];
  let dropped = 0;
  const w = world(undefined, {}, (transport: Transport) => ({
    ...transport,
    datagrams$: transport.datagrams$.pipe(
      tap(({ data }) => kindOf(data) === 'challenge response' && responses.push(data)),
    ),
    send: (datagram) => {
      const kind = kindOf(datagram.data);
      if (kind === 'accept' && dropped++ < dropAccepts) return;
      sent.push({ to: addressKey(datagram.address), kind, bytes: datagram.data.length });
      transport.send(datagram);
    },
  }));
  const connected: ClientConnected[] = [];
  w.server.connected$.subscribe((client) => connected.push(client));
  /** The bytes the server sent `to` since `from` (an index into `sent`). */
  const bytesTo = (to: Address, from = 0): number =>
    sent
      .slice(from)
      .filter((s) => s.to === addressKey(to))
      .reduce((sum, s) => sum + s.bytes, 0);
  return { ...w, responses, sent, connected, bytesTo };
}

describe('a challenge response replayed', () => {
  it('after its client closed opens no session, and gets no more bytes than it carried', async () => {
    const { server, machine, client, network, within, pass, responses, connected, sent, bytesTo } =
      recorded();
    await server.run(7000, 'server', machine);
    const ann = client('ann');
    await within(ann.connect(7000, 'server'));
    await pass(500);
    await ann.disconnect();
    await pass(1000);
    expect(responses).toHaveLength(1);
    expect(server.connections.size).toBe(0);

    // A second after Ann closed, the attacker replays her response from her address.
    const spoofed = network.bind(annAddress);
    let received = 0;
    spoofed.datagrams$.subscribe(({ data }) => (received += data.length));
    const replay = responses[0]!;
    const before = server.stats;
    const mark = sent.length;
    spoofed.send({ data: replay, address: server7000 });
    await pass(5000);
    expect(received).toBeLessThanOrEqual(replay.length);
    expect(bytesTo(annAddress, mark)).toBe(0);
    expect(connected).toHaveLength(1);
    expect(server.connections.size).toBe(0);
    expect(server.stats.connects).toBe(before.connects);
    expect(server.stats.replaysRefused).toBe(before.replaysRefused + 1);
    expect(server.stats.refused).toBe(before.refused + 1);
    await server.shutdown();
  });

  it('during the session opens nothing and leaves the session playing', async () => {
    const { server, machine, client, transports, within, pass, responses, connected, sent } =
      recorded();
    await server.run(7000, 'server', machine);
    const ann = client('ann');
    const reasons: string[] = [];
    ann.disconnected$.subscribe((reason) => reasons.push(reason));
    await within(ann.connect(7000, 'server'));
    await pass(500);
    const before = server.stats;
    const mark = sent.length;
    // From Ann's own address, ten times.
    for (let i = 0; i < 10; i++) {
      transports.get('ann')!.send({ data: responses[0]!, address: server7000 });
    }
    await pass(1000);
    expect(sent.slice(mark).filter((s) => s.kind !== 'data')).toEqual([]);
    expect(server.stats.replaysRefused).toBe(before.replaysRefused + 10);
    expect(server.stats.connects).toBe(before.connects);
    expect(connected).toHaveLength(1);
    expect(reasons).toEqual([]);
    expect(ann.connection?.stats.packagesIn).toBeGreaterThan(0);
    await ann.disconnect();
    await server.shutdown();
  });

  it('of an earlier session, from the same address, does not end the session that followed', async () => {
    const { server, machine, client, transports, within, pass, responses, connected } = recorded();
    await server.run(7000, 'server', machine);
    const first = client('ann');
    await within(first.connect(7000, 'server'));
    await first.disconnect();
    await pass(100);
    // Ann again, from the same port.
    const again = client('ann', {}, 49152);
    const reasons: string[] = [];
    again.disconnected$.subscribe((reason) => reasons.push(reason));
    await within(again.connect(7000, 'server'));
    await pass(500);
    expect(responses).toHaveLength(2);
    transports.get('ann')!.send({ data: responses[0]!, address: server7000 });
    await pass(6000);
    expect(reasons).toEqual([]);
    expect(connected).toHaveLength(2);
    expect(server.stats.connects).toBe(2);
    expect(server.stats.replaysRefused).toBe(1);
    expect(server.connections.size).toBe(1);
    await again.disconnect();
    await server.shutdown();
  });

  it('from another address opens nothing and gets nothing', async () => {
    const { server, machine, client, network, within, pass, responses } = recorded();
    await server.run(7000, 'server', machine);
    const ann = client('ann');
    await within(ann.connect(7000, 'server'));
    const mallory = network.bind({ host: 'mallory' });
    let received = 0;
    mallory.datagrams$.subscribe(({ data }) => (received += data.length));
    const before = server.stats;
    mallory.send({ data: responses[0]!, address: server7000 });
    await pass(1000);
    expect(received).toBe(0);
    expect(server.stats.refused).toBe(before.refused + 1);
    expect(server.stats.connects).toBe(before.connects);
    expect(server.connections.size).toBe(1);
    await ann.disconnect();
    await server.shutdown();
  });

  it('by the client itself, when its accept was lost, gets the accept again', async () => {
    const { server, machine, client, within, responses, sent } = recorded(2);
    await server.run(7000, 'server', machine);
    const ann = client('ann');
    await within(ann.connect(7000, 'server'));
    // Sent again every 250 ms until an accept came through: the third.
    expect(responses).toHaveLength(3);
    expect(sent.filter((s) => s.kind === 'accept')).toHaveLength(1);
    expect(server.stats.replaysRefused).toBe(0);
    expect(server.stats.connects).toBe(1);
    await ann.disconnect();
    await server.shutdown();
  });
});
