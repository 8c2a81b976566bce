import { filter, firstValueFrom, lastValueFrom, tap } from 'rxjs';
import {
  AckTimeoutError,
  ConnectionRefusedError,
  EventQueueFullError,
} from '../../lib/protocol/errors';
import type { DispatchOutcome } from '../../lib/server/serverEvents';
import { SHUTDOWN_WORD } from '../../lib/protocol/constants';
import { encodeClientPackage } from '../../lib/protocol/encode';
import {
  CONNECT_REQUEST_SIZE,
  decodeRxgasePacket,
  encodeConnectRequest,
  encodeShutdownRequest,
} from '../../lib/protocol/rxgasePackets';
import type { Datagram } from '../../lib/transport/datagram';
import type { HandlerError } from '../../lib/connection/eventHandlers';
import { ConnectionStatus } from '../../lib/connection/connection';
import type { Logger } from '../../lib/util/logger';
import { world } from '../helpers/world';

const nonce = Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9);

/** A logger that writes each line into `log` as `[level, message, ...details]`. */
function recording(log: unknown[][]): Logger {
  const at =
    (level: string) =>
    (...line: unknown[]) =>
      void log.push([level, ...line]);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

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
    // Version 1, whose accept did not echo the nonce, is refused as any other.
    mallory.send({ data: encodeConnectRequest(nonce, 1), address: { host: 'server', port: 7000 } });
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
    const { server, machine, client, transports, pass, within } = world();
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
    // Someone else sends PyGaSe's shutdown word, and a request with a made-up token, in Ann's
    // name: from her very address, the host's, as the server sees it.
    const ghost = transports.get('ann')!;
    expect(server.hostClient).toEqual(ghost.address);
    expect(server.connections.has('ann:49152')).toBe(true);
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

  it("hands each server event to an rxgase client's handler once on a lossy, duplicating network; a PyGaSe client's at least once", async () => {
    const EVENTS = 60;
    const counts: Record<string, number[]> = {};
    for (const protocol of ['rxgase', 'pygase'] as const) {
      // For 1.5 s in the middle the server hears nothing from Ann: the events it sends her then
      // arrive, but their acks do not, so it sends them again.
      let deaf = false;
      const { server, machine, client, pass, within } = world(
        { latencyMs: 50, jitterMs: 20, loss: 0.25, duplicate: 0.25 },
        {},
        (transport) => ({
          ...transport,
          datagrams$: transport.datagrams$.pipe(
            filter(({ address }) => !deaf || address.host !== 'ann'),
          ),
        }),
      );
      await server.run(7000, 'server', machine);
      const handled = Array.from({ length: EVENTS }, () => 0);
      const ann = client('ann', { protocol });
      ann.registerEventHandler('SCORE', (_payload, { args: [n] }) => handled[n as number]!++);
      // A PyGaSe client gets events once the server has its ack (until then, none of them).
      const welcomed = firstValueFrom(server.connected$);
      await within(ann.connect(7000, 'server'));
      await within(welcomed);
      const outcomes: DispatchOutcome[] = [];
      for (let n = 0; n < EVENTS; n++) {
        deaf = n >= 20 && n < 50;
        server
          .dispatchEvent('SCORE', [n], {}, { retries: 10 })
          .subscribe((outcome) => outcomes.push(outcome));
        await pass(50);
      }
      await pass(5000);
      expect(outcomes).toHaveLength(EVENTS);
      expect(outcomes.every(({ acked }) => acked)).toBe(true);
      const connection = [...server.connections.values()][0]!;
      expect(connection.stats.resends).toBeGreaterThan(0);
      if (protocol === 'rxgase') expect(ann.connection!.stats.duplicateEvents).toBeGreaterThan(0);
      counts[protocol] = handled;
      await ann.disconnect();
      await server.shutdown();
    }
    expect(counts.rxgase).toEqual(Array.from({ length: EVENTS }, () => 1));
    // PyGaSe's protocol has no event ids: an event re-sent after its ack was lost runs again.
    expect(counts.pygase!.every((n) => n >= 1)).toBe(true);
    expect(counts.pygase!.some((n) => n > 1)).toBe(true);
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

  it('takes a client back from the same address after it timed out, as a new connection with the whole state', async () => {
    let deaf = false;
    const { server, machine, store, client, pass, within } = world(undefined, {}, (transport) => ({
      ...transport,
      // While deaf, the server hears nothing from Ann's host.
      datagrams$: transport.datagrams$.pipe(
        filter(({ address }) => !deaf || address.host !== 'ann'),
      ),
    }));
    await server.run(7000, 'server', machine);
    machine.runGameLoop(50);
    const gone: unknown[] = [];
    server.disconnected$.subscribe((client) => gone.push(client));
    const ann = client('ann', {}, 40_000);
    const bob = client('bob');
    await within(ann.connect(7000, 'server'));
    await within(bob.connect(7000, 'server'));
    for (const [player, name] of [
      [ann, 'ann'],
      [bob, 'bob'],
    ] as const) {
      await within(lastValueFrom(player.dispatchEvent('JOIN', [name]), { defaultValue: 0 }));
    }
    const connects = server.stats.connects;
    deaf = true;
    const annHears = firstValueFrom(ann.disconnected$);
    await pass(5500);
    expect(gone).toEqual([{ client: { host: 'ann', port: 40_000 }, reason: 'timeout' }]);
    expect(server.connections.has('ann:40000')).toBe(false);
    expect(await within(annHears)).toBe('timeout');
    // While Ann is away the game goes on without her.
    await within(lastValueFrom(bob.dispatchEvent('MOVE', ['bob', 7]), { defaultValue: 0 }));
    await within(lastValueFrom(bob.dispatchEvent('LEAVE', ['ann']), { defaultValue: 0 }));
    deaf = false;
    const back = client('ann', {}, 40_000);
    await within(back.connect(7000, 'server'));
    expect(server.connections.has('ann:40000')).toBe(true);
    expect(server.stats.connects).toBe(connects + 1);
    await pass(100);
    expect(back.state).toEqual(store.getGameState());
    expect(back.state.players).toEqual({ bob: { x: 7, score: 0 } });
    machine.stop();
    await back.disconnect();
    await bob.disconnect();
    await server.shutdown();
  });

  it("limits a flood from a stranger, and one in a player's name, while the player plays on", async () => {
    const fromAnn: Uint8Array[] = [];
    const { server, machine, client, network, transports, scheduler, pass, within } = world(
      undefined,
      {},
      (transport) => ({
        ...transport,
        datagrams$: transport.datagrams$.pipe(
          tap(({ data, address }) => address.host === 'ann' && fromAnn.push(data)),
        ),
      }),
    );
    await server.run(7000, 'server', machine);
    machine.runGameLoop(50);
    const ann = client('ann');
    await within(ann.connect(7000, 'server'));
    await within(lastValueFrom(ann.dispatchEvent('JOIN', ['ann']), { defaultValue: 0 }));
    const serverSide = [...server.connections.values()][0]!;
    const to = { host: 'server', port: 7000 };
    const garbage = (i: number) => Uint8Array.of(0xff, 0xd0, 0xfa, 0xba, i & 255, 1, 2, 3);
    /** Ann moves to x while `flood` runs 50 datagrams every 5 ms for 2 s; her move is acked. */
    const movesUnder = async (x: number, flood: (i: number) => void): Promise<void> => {
      const moved = lastValueFrom(ann.dispatchEvent('MOVE', ['ann', x], {}, { retries: 3 }), {
        defaultValue: 'acked',
      });
      for (let i = 0; i < 400; i++) {
        for (let j = 0; j < 50; j++) flood(i * 50 + j);
        await pass(5);
      }
      expect(await within(moved)).toBe('acked');
      await within(ann.waitUntil((state) => state.players.ann?.x === x));
    };

    // A stranger sends 10,000 a second: most are dropped, counted, unread.
    // What passes is the burst and the rate (default 250, and 500 a second), read and dropped.
    const mallory = network.bind({ host: 'mallory' });
    const began = scheduler.now();
    await movesUnder(1, (i) => mallory.send({ data: garbage(i), address: to }));
    const limited = server.stats.rateLimited;
    expect(limited).toBeGreaterThan(15_000);
    expect(server.stats.malformed).toBeLessThanOrEqual(250 + (scheduler.now() - began) / 2);
    expect(server.stats.malformed + limited).toBe(20_000);

    // The same from Ann's own address: garbage, and her own session traffic replayed.
    const ghost = transports.get('ann')!;
    const replays = fromAnn.slice();
    expect(replays.length).toBeGreaterThan(10);
    await movesUnder(2, (i) =>
      ghost.send({ data: i % 2 === 0 ? garbage(i) : replays[i % replays.length]!, address: to }),
    );
    expect(server.stats.rateLimited).toBeGreaterThan(limited + 5000);
    // Her replayed packages reach her connection, which drops them as seen before.
    expect(serverSide.stats.duplicates + serverSide.stats.stale).toBeGreaterThan(9000);
    // Ann is still the same connection, and still plays.
    expect([...server.connections.values()]).toEqual([serverSide]);
    expect(ann.connection?.currentStatus).toBe(ConnectionStatus.Connected);
    await within(lastValueFrom(ann.dispatchEvent('MOVE', ['ann', 3]), { defaultValue: 0 }));
    await within(ann.waitUntil((state) => state.players.ann?.x === 3));
    machine.stop();
    await ann.disconnect();
    await server.shutdown();
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

  it('frees the slot of an event that timed out, at the client and at the server', async () => {
    const { server, machine, client, cut, pass, within } = world(undefined, {
      maxPendingEvents: 2,
    });
    await server.run(7000, 'server', machine);
    const ann = client('ann', { maxPendingEvents: 2 });
    await within(ann.connect(7000, 'server'));
    const serverSide = [...server.connections.values()][0]!;
    // Nothing reaches Ann for 1.5 s: her events' acks and the server's events are lost, once.
    cut.add('ann');
    const failures: unknown[] = [];
    const outcomes: DispatchOutcome[] = [];
    for (const type of ['A', 'B']) {
      ann.dispatchEvent(type).subscribe({ error: (error) => failures.push(error) });
      server.dispatchEvent(type).subscribe((outcome) => outcomes.push(outcome));
    }
    expect(() => ann.dispatchEvent('C')).toThrow(EventQueueFullError);
    expect(await lastValueFrom(server.dispatchEvent('C'))).toMatchObject({
      acked: false,
      error: expect.any(EventQueueFullError),
    });
    expect(ann.connection!.stats.pendingEvents).toBe(2);
    expect(serverSide.stats.pendingEvents).toBe(2);
    await pass(1500);
    cut.delete('ann');
    expect(failures).toEqual([expect.any(AckTimeoutError), expect.any(AckTimeoutError)]);
    expect(outcomes).toEqual([
      expect.objectContaining({ acked: false, error: expect.any(AckTimeoutError) }),
      expect.objectContaining({ acked: false, error: expect.any(AckTimeoutError) }),
    ]);
    // Failed, they hold nothing: both queues take two events again, and they arrive.
    expect(ann.connection!.stats.pendingEvents).toBe(0);
    expect(serverSide.stats.pendingEvents).toBe(0);
    const again = [
      lastValueFrom(ann.dispatchEvent('C'), { defaultValue: 'acked' }),
      lastValueFrom(ann.dispatchEvent('D'), { defaultValue: 'acked' }),
    ];
    const serverAgain = [
      lastValueFrom(server.dispatchEvent('C')),
      lastValueFrom(server.dispatchEvent('D')),
    ];
    expect(await within(Promise.all(again))).toEqual(['acked', 'acked']);
    expect(await within(Promise.all(serverAgain))).toEqual([
      expect.objectContaining({ acked: true }),
      expect.objectContaining({ acked: true }),
    ]);
    expect(ann.connection!.stats.pendingEvents).toBe(0);
    expect(serverSide.stats.pendingEvents).toBe(0);
    await ann.disconnect();
    await server.shutdown();
  });

  it('goes on when a handler throws, on the server and on the client: reported, logged, the loop ticking', async () => {
    const serverLog: unknown[][] = [];
    const clientLog: unknown[][] = [];
    const { server, machine, store, client, pass, within } = world(undefined, {
      logger: recording(serverLog),
    });
    await server.run(7000, 'server', machine);
    machine.runGameLoop(50);
    let pings = 0;
    server.registerEventHandler('PING', (_payload, { args: [n] }) => {
      pings++;
      if (n === 1) throw new Error('bad ping');
    });
    const serverErrors: HandlerError[] = [];
    server.errors$.subscribe((error) => serverErrors.push(error));
    const ann = client('ann', { logger: recording(clientLog) });
    const pongs: number[] = [];
    ann.registerEventHandler('PONG', (_payload, { args: [n] }) => {
      pongs.push(n as number);
      if (n === 1) throw new Error('bad pong');
    });
    const clientErrors: HandlerError[] = [];
    ann.errors$.subscribe((error) => clientErrors.push(error));
    await within(ann.connect(7000, 'server'));
    const connection = ann.connection!;
    const serverSide = [...server.connections.values()][0]!;
    await within(lastValueFrom(ann.dispatchEvent('PING', [1]), { defaultValue: 0 }));
    await within(lastValueFrom(server.dispatchEvent('PONG', [1])));
    await within(ann.tryTo(() => expect(clientErrors).toHaveLength(1)));
    expect(serverErrors).toEqual([{ type: 'PING', error: new Error('bad ping') }]);
    expect(clientErrors).toEqual([{ type: 'PONG', error: new Error('bad pong') }]);
    const errorsIn = (log: unknown[][]) => log.filter(([level]) => level === 'error');
    expect(errorsIn(serverLog)).toEqual([
      ['error', expect.stringContaining('PING'), new Error('bad ping')],
    ]);
    expect(errorsIn(clientLog)).toEqual([
      ['error', expect.stringContaining('PONG'), new Error('bad pong')],
    ]);
    // The game loop ticks on, and the same connection carries events both ways.
    const before = store.getGameState().time_order;
    await pass(500);
    expect(store.getGameState().time_order).toBeGreaterThan(before);
    await within(lastValueFrom(ann.dispatchEvent('JOIN', ['ann']), { defaultValue: 0 }));
    await within(lastValueFrom(ann.dispatchEvent('PING', [2]), { defaultValue: 0 }));
    await within(ann.waitUntil((state) => state.players.ann !== undefined));
    expect(await within(lastValueFrom(server.dispatchEvent('PONG', [2])))).toMatchObject({
      acked: true,
    });
    await within(ann.tryTo(() => expect(pongs).toEqual([1, 2])));
    expect(pings).toBe(2);
    expect(ann.connection).toBe(connection);
    expect([...server.connections.values()][0]).toBe(serverSide);
    expect(connection.currentStatus).toBe(ConnectionStatus.Connected);
    machine.stop();
    await ann.disconnect();
    await server.shutdown();
  });
});
