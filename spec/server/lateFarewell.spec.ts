import { Subject } from 'rxjs';
import { encodeClose } from '../../lib/protocol/rxgasePackets';
import type { ClientConnected, ClientDisconnected } from '../../lib/server/clientConnection';
import type { Address, Transport } from '../../lib/transport/datagram';
import { world } from '../helpers/world';

/*
 * A link that closes (a WebSocket's, a data channel's) drops its client, who is held for its
 * return. Its farewell may still come after the transport said the link closed, where the two
 * travel apart (node-datachannel calls back on a queue for each kind of callback): a client that
 * said it left is not held for its return, and a close of another session changes nothing.
 */

/** A world whose server holds a dropped client for 10 s and reports links closing on `closes`. */
async function heldWorld() {
  const closes = new Subject<Address>();
  const w = world(undefined, { reconnectGraceMs: 10_000 }, (transport: Transport) => ({
    ...transport,
    closed$: closes,
  }));
  await w.server.run(7000, 'server', w.machine);
  const connected: ClientConnected[] = [];
  const gone: ClientDisconnected[] = [];
  w.server.connected$.subscribe((c) => connected.push(c));
  w.server.disconnected$.subscribe((d) => gone.push(d));
  const ann = w.client('ann', { reconnect: false });
  await w.within(ann.connect(7000, 'server'));
  await w.pass(100);
  return { ...w, closes, ann, connected, gone };
}

describe('a farewell that comes after the server saw its link close', () => {
  it('lets the held client go at once, for disconnected', async () => {
    const { server, closes, ann, connected, gone, pass } = await heldWorld();
    const address = connected[0]!.client;
    closes.next(address);
    expect(server.heldClients).toBe(1);
    expect(gone).toEqual([]);
    await ann.disconnect();
    await pass(50);
    expect(gone).toEqual([{ client: address, reason: 'disconnected' }]);
    expect(server.heldClients).toBe(0);
    expect(server.connections.size).toBe(0);
    await server.shutdown();
  });

  it('keeps the client held when the close names another session', async () => {
    const { server, closes, transports, ann, connected, gone, pass } = await heldWorld();
    const address = connected[0]!.client;
    closes.next(address);
    // From the client's own address, but not its session's token.
    const forged = encodeClose(new Uint8Array(8).fill(7), 'disconnected');
    transports.get('ann')!.send({ data: forged, address: { host: 'server', port: 7000 } });
    await pass(50);
    expect(server.heldClients).toBe(1);
    expect(gone).toEqual([]);
    // It goes once its grace is over, for the drop.
    await pass(10_000);
    expect(gone).toEqual([{ client: address, reason: 'disconnected' }]);
    expect(server.heldClients).toBe(0);
    await ann.disconnect();
    await server.shutdown();
  });
});

describe("a farewell's second CLOSE", () => {
  it('is counted as control, not refused', async () => {
    const w = world();
    await w.server.run(7000, 'server', w.machine);
    const ann = w.client('ann', { reconnect: false });
    await w.within(ann.connect(7000, 'server'));
    await w.pass(100);
    const before = w.server.stats;
    // A farewell is two CLOSEs: the first closes the session, the second finds it gone.
    await ann.disconnect();
    await w.pass(50);
    const after = w.server.stats;
    expect(after.refused - before.refused).toBe(0);
    expect(after.control - before.control).toBe(2);
    expect(w.server.connections.size).toBe(0);
    await w.server.shutdown();
  });
});
