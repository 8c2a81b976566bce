import { firstValueFrom, lastValueFrom } from 'rxjs';
import { ConnectionRefusedError, EventQueueFullError } from '../../lib/protocol/errors';
import { SHUTDOWN_WORD } from '../../lib/protocol/constants';
import { encodeClientPackage } from '../../lib/protocol/encode';
import {
  CONNECT_REQUEST_SIZE,
  decodeRxgasePacket,
  encodeConnectRequest,
  encodeShutdownRequest,
} from '../../lib/protocol/rxgasePackets';
import type { Datagram } from '../../lib/transport/datagram';
import { world } from '../helpers/world';

const nonce = Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9);

describe('the server on guard, in virtual time', () => {
  it('connects an rxgase client by handshake, and a PyGaSe client on its first package', async () => {
    const { server, machine, client, within, pass } = world();
    await server.run(7000, 'server', machine);
    const connected: unknown[] = [];
    server.connected$.subscribe((client) => connected.push(client));
    const ann = client('ann');
    const old = client('old', { protocol: 'pygase' });
    await within(ann.connect(7000, 'server'));
    await within(old.connect(7000, 'server'));
    // The server knows a PyGaSe client is there once it acks a package.
    await pass(100);
    expect(ann.isHost).toBe(true);
    expect(old.isHost).toBe(false);
    await ann.disconnect();
    await old.disconnect();
    await server.shutdown();
    expect(connected).toEqual([
      { client: { host: 'ann', port: 49152 }, protocol: 'rxgase', host: true },
      { client: { host: 'old', port: 49153 }, protocol: 'pygase', host: false },
    ]);
  });

  it('refuses clients past maxClients with `server full`, and takes them once there is room', async () => {
    const { server, machine, client, within } = world(undefined, { maxClients: 1 });
    await server.run(7000, 'server', machine);
    const ann = client('ann');
    await within(ann.connect(7000, 'server'));
    const bob = client('bob');
    const refused = within(bob.connect(7000, 'server')).catch((error: unknown) => error);
    expect(await refused).toBeInstanceOf(ConnectionRefusedError);
    expect(await refused).toMatchObject({ code: 'ERR_CONNECTION_REFUSED', reason: 'server full' });
    expect(server.stats.clients).toBe(1);
    // A PyGaSe client cannot be told; its packages are refused and counted.
    const old = client('old', { protocol: 'pygase' });
    await expect(within(old.connect(7000, 'server', 300))).rejects.toMatchObject({
      code: 'ERR_WAIT_TIMEOUT',
    });
    expect(server.stats.refused).toBeGreaterThan(0);
    await within(ann.disconnect());
    await within(bob.connect(7000, 'server'));
    expect(server.connections.size).toBe(1);
    await bob.disconnect();
    await server.shutdown();
  });

  it('answers a connect request of another version with `version mismatch`, in fewer bytes', async () => {
    const { server, machine, network, pass } = world();
    await server.run(7000, 'server', machine);
    const mallory = network.bind({ host: 'mallory' });
    const got: Datagram[] = [];
    mallory.datagrams$.subscribe((datagram) => got.push(datagram));
    mallory.send({ data: encodeConnectRequest(nonce, 2), address: { host: 'server', port: 7000 } });
    await pass(10);
    expect(got).toHaveLength(1);
    expect(decodeRxgasePacket(got[0]!.data)).toEqual({
      kind: 'close',
      token: nonce,
      reason: 'version mismatch',
    });
    expect(got[0]!.data.length).toBeLessThan(CONNECT_REQUEST_SIZE);
    await server.shutdown();
  });

  it('never sends an unverified address more bytes than it sent: spoofed connect requests', async () => {
    const { server, machine, network, pass } = world();
    await server.run(7000, 'server', machine);
    // The attacker sends in the victim's name; what the server sends goes to the victim.
    const victim = network.bind({ host: 'victim' });
    let received = 0;
    victim.datagrams$.subscribe(({ data }) => (received += data.length));
    let sent = 0;
    for (let i = 0; i < 100; i++) {
      const request = encodeConnectRequest(Uint8Array.of(i, 0, 0, 0, 0, 0, 0, 0));
      sent += request.length;
      victim.send({ data: request, address: { host: 'server', port: 7000 } });
    }
    await pass(6000);
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThanOrEqual(sent);
    expect(server.connections.size).toBe(0); // nothing allocated
    await server.shutdown();
  });

  it('allocates nothing for spoofed PyGaSe packages when legacy clients are refused', async () => {
    const { server, machine, network, pass } = world(undefined, { legacyClients: false });
    await server.run(7000, 'server', machine);
    const victim = network.bind({ host: 'victim' });
    let received = 0;
    victim.datagrams$.subscribe(() => received++);
    const pkg = encodeClientPackage({
      header: { sequence: 1, ack: 0, ackBitfield: 0 },
      timeOrder: 0,
      events: [],
    });
    victim.send({ data: pkg, address: { host: 'server', port: 7000 } });
    await pass(100);
    expect(received).toBe(0);
    expect(server.connections.size).toBe(0);
    expect(server.stats.refused).toBe(1);
    await server.shutdown();
  });

  it('refuses a shutdown without the host token, or from elsewhere; honours the host', async () => {
    const { server, machine, client, network, pass, within } = world();
    await server.run(7000, 'server', machine);
    const ann = client('ann');
    const bob = client('bob');
    await within(ann.connect(7000, 'server'));
    await within(bob.connect(7000, 'server'));
    // Bob is not the host: his request carries no host token.
    await within(bob.disconnect({ shutdownServer: true }));
    await pass(10);
    const refused = server.stats.refused;
    expect(refused).toBeGreaterThanOrEqual(1);
    // Someone else sends PyGaSe's shutdown word, and a request with a made-up token, in Ann's name.
    const ghost = network.bind({ host: 'ann', port: 1 });
    ghost.send({ data: SHUTDOWN_WORD, address: { host: 'server', port: 7000 } });
    ghost.send({
      data: encodeShutdownRequest(new Uint8Array(8), new Uint8Array(16)),
      address: { host: 'server', port: 7000 },
    });
    await pass(100);
    expect(server.address).toBeDefined();
    expect(server.stats.refused).toBe(refused + 2);
    const shutDown = server.whenShutDown();
    await within(ann.disconnect({ shutdownServer: true }));
    await within(shutDown);
    expect(server.address).toBeUndefined();
  });

  it('hands a re-sent event to the handlers once for an rxgase client, every time for PyGaSe', async () => {
    for (const protocol of ['rxgase', 'pygase'] as const) {
      const { server, machine, client, cut, pass, within } = world();
      await server.run(7000, 'server', machine);
      let handled = 0;
      server.registerEventHandler('PING', () => handled++);
      const ann = client('ann', { protocol });
      await within(ann.connect(7000, 'server'));
      // The server's packages stop reaching Ann for 1.5 s: her PING's ack is lost, so she sends
      // it again when its package times out.
      cut.add('ann');
      const outcome = lastValueFrom(ann.dispatchEvent('PING', [], {}, { retries: 3 }), {
        defaultValue: 'acked',
      });
      await pass(1500);
      cut.delete('ann');
      expect(await within(outcome)).toBe('acked');
      expect(ann.connection!.stats.resends).toBeGreaterThan(0);
      const connection = [...server.connections.values()][0]!;
      if (protocol === 'rxgase') {
        expect(handled).toBe(1);
        expect(connection.stats.duplicateEvents).toBeGreaterThan(0);
      } else {
        expect(handled).toBeGreaterThan(1);
      }
      await ann.disconnect();
      await server.shutdown();
    }
  });

  it('removes a client that timed out and reports why; one that is kicked is told', async () => {
    const { server, machine, client, pass, within } = world();
    await server.run(7000, 'server', machine);
    const gone: unknown[] = [];
    server.disconnected$.subscribe((client) => gone.push(client));
    const ann = client('ann');
    const bob = client('bob');
    await within(ann.connect(7000, 'server'));
    await within(bob.connect(7000, 'server'));
    const bobHears = firstValueFrom(bob.disconnected$);
    expect(
      server.kick(
        bob.connection!.remote === undefined
          ? { host: 'x', port: 1 }
          : { host: 'bob', port: 49153 },
      ),
    ).toBe(true);
    expect(await within(bobHears)).toBe('kicked');
    ann.connection?.close(); // Ann vanishes without a word
    await pass(5100);
    expect(server.connections.size).toBe(0);
    expect(server.kick({ host: 'nobody', port: 1 })).toBe(false);
    await server.shutdown();
    expect(gone).toEqual([
      { client: { host: 'bob', port: 49153 }, reason: 'kicked' },
      { client: { host: 'ann', port: 49152 }, reason: 'timeout' },
    ]);
  });

  it('refuses an event past maxPendingEvents with a named error, nothing dropped silently', async () => {
    const { server, machine, client, within } = world();
    await server.run(7000, 'server', machine);
    const ann = client('ann', { maxPendingEvents: 2 });
    await within(ann.connect(7000, 'server'));
    const first = lastValueFrom(ann.dispatchEvent('A'), { defaultValue: 'acked' });
    const second = lastValueFrom(ann.dispatchEvent('B'), { defaultValue: 'acked' });
    expect(() => ann.dispatchEvent('C')).toThrow(EventQueueFullError);
    expect(await within(first)).toBe('acked');
    expect(await within(second)).toBe('acked');
    // Acked, they make room.
    expect(await within(lastValueFrom(ann.dispatchEvent('C'), { defaultValue: 'acked' }))).toBe(
      'acked',
    );
    await ann.disconnect();
    await server.shutdown();
  });

  it('goes on when a handler throws, on the server and on the client, and reports it', async () => {
    const { server, machine, client, within } = world();
    await server.run(7000, 'server', machine);
    let pings = 0;
    server.registerEventHandler('PING', (n: number) => {
      pings++;
      if (n === 1) throw new Error('bad ping');
    });
    const serverErrors = firstValueFrom(server.errors$);
    const ann = client('ann');
    ann.registerEventHandler('PONG', () => {
      throw new Error('bad pong');
    });
    const clientErrors = firstValueFrom(ann.errors$);
    await within(ann.connect(7000, 'server'));
    await within(lastValueFrom(ann.dispatchEvent('PING', [1]), { defaultValue: 0 }));
    await within(lastValueFrom(ann.dispatchEvent('PING', [2]), { defaultValue: 0 }));
    expect(pings).toBe(2);
    expect(await serverErrors).toMatchObject({ type: 'PING', error: new Error('bad ping') });
    await within(lastValueFrom(server.dispatchEvent('PONG'), { defaultValue: 0 }));
    expect(await within(clientErrors)).toMatchObject({ type: 'PONG' });
    expect(ann.connection?.currentStatus).toBe(1);
    await ann.disconnect();
    await server.shutdown();
  });
});
