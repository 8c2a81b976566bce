import { filter, firstValueFrom, lastValueFrom } from 'rxjs';
import { ConnectionRefusedError, InvalidArgumentError } from '../../lib/protocol/errors';
import type { Logger } from '../../lib/util/logger';
import { DEFAULT_MAX_CLIENTS_PER_ADDRESS } from '../../lib/server/addressPlaces';
import { Client } from '../../lib/client/client';
import { Server } from '../../lib/server/server';
import type { MemoryNetwork } from '../../lib/transport/memoryNetwork';
import type { SimulationScheduler } from '../../lib/transport/simulationScheduler';
import { arena, world } from '../helpers/world';

/** A logger that keeps its WARN lines. */
function warnings(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const quiet = (): void => undefined;
  return {
    lines,
    logger: { debug: quiet, info: quiet, error: quiet, warn: (line) => lines.push(line) },
  };
}

/**
 * A client that binds at each of `hosts` in turn (the last one from then on), and whose link, both
 * ways, goes dead while `link.cut` is true: a player whose Wi-Fi drops, and who may come back
 * through another network.
 */
function roaming(
  network: MemoryNetwork,
  scheduler: SimulationScheduler,
  hosts: readonly string[],
  link: { cut: boolean },
): Client {
  let binds = 0;
  return new Client({
    scheduler,
    resolve: async (host) => host,
    bind: async () => {
      const host = hosts[Math.min(binds++, hosts.length - 1)] as string;
      const transport = network.bind({ host });
      return {
        ...transport,
        datagrams$: transport.datagrams$.pipe(filter(() => !link.cut)),
        send: (datagram) => {
          if (!link.cut) transport.send(datagram);
        },
      };
    },
  });
}

describe('places per address, in virtual time', () => {
  it('lets one address take no more than maxClientsPerAddress places, while another still gets in', async () => {
    const { logger, lines } = warnings();
    const { server, machine, client, within } = world(undefined, { logger });
    await server.run(7000, 'server', machine);
    machine.runGameLoop(50);
    // A machine at 10.0.0.9 opens socket after socket, each with a handshake of its own.
    const sockets = Array.from({ length: DEFAULT_MAX_CLIENTS_PER_ADDRESS + 4 }, () =>
      client('10.0.0.9'),
    );
    const outcomes = [];
    for (const socket of sockets) {
      outcomes.push(await within(socket.connect(7000, 'server')).catch((error: unknown) => error));
    }
    expect(outcomes.slice(0, DEFAULT_MAX_CLIENTS_PER_ADDRESS)).toEqual(
      Array(DEFAULT_MAX_CLIENTS_PER_ADDRESS).fill(undefined),
    );
    for (const refused of outcomes.slice(DEFAULT_MAX_CLIENTS_PER_ADDRESS)) {
      expect(refused).toBeInstanceOf(ConnectionRefusedError);
      expect(refused).toMatchObject({ reason: 'server full' });
    }
    expect(server.connections.size).toBe(DEFAULT_MAX_CLIENTS_PER_ADDRESS);
    expect(server.stats).toMatchObject({ refusedFull: 4, refusedPerAddress: 4 });
    // Logged, but once for the four: a flood of refusals is not a flood of log lines.
    expect(lines).toEqual([expect.stringContaining('maxClientsPerAddress 16')]);
    // A player at another address gets in and plays.
    const ann = client('ann');
    await within(ann.connect(7000, 'server'));
    await within(lastValueFrom(ann.dispatchEvent('JOIN', ['ann']), { defaultValue: 0 }));
    await within(ann.waitUntil((state) => state.players.ann !== undefined));
    // One of the address's clients leaves: its place is the address's again.
    await within(sockets[0]!.disconnect());
    await within(sockets[DEFAULT_MAX_CLIENTS_PER_ADDRESS]!.connect(7000, 'server'));
    expect(server.connections.size).toBe(DEFAULT_MAX_CLIENTS_PER_ADDRESS + 1);
    for (const socket of [...sockets, ann]) await socket.disconnect();
    await server.shutdown();
  });

  it('counts a PyGaSe client once it acks, and refuses one more from its address without an answer, counted and logged', async () => {
    const { logger, lines } = warnings();
    const { server, machine, client, within, pass } = world(undefined, {
      logger,
      maxClientsPerAddress: 1,
    });
    await server.run(7000, 'server', machine);
    const first = client('10.0.0.9', { protocol: 'pygase' });
    await within(first.connect(7000, 'server'));
    await pass(100); // its ack is in: it holds the address's place
    expect(server.stats.clients).toBe(1);
    const second = client('10.0.0.9', { protocol: 'pygase' });
    await expect(within(second.connect(7000, 'server', 300))).rejects.toMatchObject({
      code: 'ERR_WAIT_TIMEOUT',
    });
    await pass(100);
    expect(server.connections.size).toBe(1);
    expect(server.stats.refusedPerAddress).toBeGreaterThan(0);
    expect(lines).toEqual([expect.stringContaining('PyGaSe clients are not told')]);
    await first.disconnect();
    await second.disconnect();
    await server.shutdown();
  });

  it('logs a PyGaSe client refused as the server is full, which it cannot tell', async () => {
    const { logger, lines } = warnings();
    const { server, machine, client, within } = world(undefined, { logger, maxClients: 1 });
    await server.run(7000, 'server', machine);
    const ann = client('ann');
    await within(ann.connect(7000, 'server'));
    const old = client('old', { protocol: 'pygase' });
    await expect(within(old.connect(7000, 'server', 300))).rejects.toMatchObject({
      code: 'ERR_WAIT_TIMEOUT',
    });
    expect(server.stats.refusedFull).toBeGreaterThan(0);
    expect(server.stats.refusedPerAddress).toBe(0);
    expect(lines).toEqual([
      expect.stringMatching(/Refused a PyGaSe client from old:\d+: the server is full/),
    ]);
    await ann.disconnect();
    await old.disconnect();
    await server.shutdown();
  });

  it('refuses a maxClientsPerAddress that is not a whole number', () => {
    const { store } = arena();
    for (const maxClientsPerAddress of [-1, 1.5, Number.NaN, '4' as unknown as number]) {
      expect(() => new Server(store, { maxClientsPerAddress })).toThrow(InvalidArgumentError);
    }
    expect(() => new Server(store, { maxClientsPerAddress: Infinity })).not.toThrow();
  });

  describe('of a client whose link dropped', () => {
    const held = { reconnectGraceMs: 20_000, maxClientsPerAddress: 1 };

    it('is kept while the server holds it: another client from its address is refused, and it comes back', async () => {
      const { server, machine, client, network, scheduler, within, pass } = world(undefined, held);
      await server.run(7000, 'server', machine);
      const link = { cut: false };
      const ann = roaming(network, scheduler, ['ann'], link);
      await within(ann.connect(7000, 'server'));
      link.cut = true;
      await pass(6000); // both ends heard nothing for 5 s: the server holds her
      expect(server.heldClients).toBe(1);
      const intruder = client('ann');
      await expect(within(intruder.connect(7000, 'server'))).rejects.toMatchObject({
        reason: 'server full',
      });
      expect(server.stats.refusedPerAddress).toBe(1);
      link.cut = false;
      await within(firstValueFrom(ann.status$.pipe(filter((status) => status === 'connected'))));
      expect(ann.currentStatus).toBe('connected');
      expect(server.heldClients).toBe(0);
      expect(server.connections.size).toBe(1);
      await ann.disconnect();
      await server.shutdown();
    });

    it('is refused while it comes back from an address that has its places, and gets in once one is free', async () => {
      const { server, machine, client, network, scheduler, within, pass } = world(undefined, held);
      await server.run(7000, 'server', machine);
      const office = client('office');
      await within(office.connect(7000, 'server'));
      const link = { cut: false };
      const ann = roaming(network, scheduler, ['ann', 'office'], link);
      await within(ann.connect(7000, 'server'));
      link.cut = true;
      await pass(6000);
      expect(ann.currentStatus).toBe('reconnecting');
      link.cut = false; // back, through the office's network, which has its one place taken
      await pass(3000);
      expect(ann.currentStatus).toBe('reconnecting');
      expect(server.stats.refusedPerAddress).toBeGreaterThan(0);
      expect(server.connections.size).toBe(1);
      expect(server.heldClients).toBe(1);
      // The office's client leaves: her next attempt takes its place.
      await within(office.disconnect());
      await within(firstValueFrom(ann.status$.pipe(filter((status) => status === 'connected'))));
      expect(server.heldClients).toBe(0);
      expect([...server.connections.keys()]).toEqual([expect.stringMatching(/^office:/)]);
      await ann.disconnect();
      await server.shutdown();
    });
  });
});
