import { Subject, firstValueFrom } from 'rxjs';
import { GameStateStore } from '../../lib/game/gameStateStore';
import { Client } from '../../lib/client/client';
import { SHUTDOWN_WORD } from '../../lib/protocol/constants';
import { InvalidArgumentError } from '../../lib/protocol/errors';
import { silentLogger } from '../../lib/util/logger';
import type { ClientConnected } from '../../lib/server/clientConnection';
import { Server } from '../../lib/server/server';
import { createGameState } from '../../lib/state/gameState';
import { world } from '../helpers/world';

const SERVER = { host: 'server', port: 7000 };

/** A logger that keeps its warnings, and hands each on as it comes. */
function warningLogger() {
  const warned = new Subject<string>();
  const warnings: string[] = [];
  warned.subscribe((message) => warnings.push(message));
  return { logger: { ...silentLogger, warn: (m: string) => warned.next(m) }, warned, warnings };
}

describe('the remoteShutdown option', () => {
  it.each([['false'], [0], [null]])('is true or false; %p makes the constructor throw', (value) => {
    const store = new GameStateStore(createGameState({}));
    const make = () => new Server(store, { remoteShutdown: value as unknown as boolean });
    expect(make).toThrow(InvalidArgumentError);
    expect(make).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARGUMENT',
        message: expect.stringContaining('remoteShutdown must be true or false'),
      }),
    );
  });

  describe('in virtual time', () => {
    it('left true, lets the first client, a PyGaSe one, shut the server down', async () => {
      const { server, machine, client, within } = world();
      await server.run(SERVER.port, SERVER.host, machine);
      const old = client('old', { protocol: 'pygase' });
      await within(old.connect(SERVER.port, SERVER.host));
      await within(old.waitUntil(() => server.hostClient !== undefined));
      const shutDown = server.whenShutDown();
      await within(old.disconnect({ shutdownServer: true }));
      await within(shutDown);
      expect(server.address).toBeUndefined();
      expect(server.stats.shutdownsRefused).toBe(0);
    });

    it('false, makes no client the host: the first, rxgase, gets no host token', async () => {
      const { logger, warnings } = warningLogger();
      const { server, machine, client, pass, within } = world(undefined, {
        remoteShutdown: false,
        logger,
      });
      const connected: ClientConnected[] = [];
      server.connected$.subscribe((c) => connected.push(c));
      await server.run(SERVER.port, SERVER.host, machine);
      const ann = client('ann');
      await within(ann.connect(SERVER.port, SERVER.host));
      expect(ann.isHost).toBe(false);
      expect(server.hostClient).toBeUndefined();
      expect(connected).toEqual([expect.objectContaining({ protocol: 'rxgase', host: false })]);

      await within(ann.disconnect({ shutdownServer: true }));
      await pass(200);
      expect(server.address).toBeDefined();
      expect(server.stats.shutdownsRefused).toBe(1);
      expect(warnings).toEqual([
        expect.stringMatching(/ann:\d+: refused.*remoteShutdown is false/),
      ]);
      await server.shutdown();
    });

    it('false, refuses a PyGaSe first client every time, warning of it once', async () => {
      const { logger, warnings } = warningLogger();
      const { server, machine, client, transports, pass, within } = world(undefined, {
        remoteShutdown: false,
        logger,
      });
      await server.run(SERVER.port, SERVER.host, machine);
      const old = client('old', { protocol: 'pygase' });
      await within(old.connect(SERVER.port, SERVER.host));
      // Its ack makes it a client in full, which a PyGaSe host would be by now.
      await within(old.waitUntil(() => server.stats.connects === 1 && server.stats.routed > 2));
      await pass(200);
      expect(server.hostClient).toBeUndefined();
      const from = transports.get('old')!;
      from.send({ data: SHUTDOWN_WORD, address: SERVER });
      from.send({ data: SHUTDOWN_WORD, address: SERVER });
      await within(old.disconnect({ shutdownServer: true }));
      await pass(200);
      expect(server.address).toBeDefined();
      expect(server.stats.shutdownsRefused).toBe(3);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^Shutdown requested by old:\d+: refused/);
      // A second client is no host either, and is warned of once in its turn.
      const ann = client('ann');
      await within(ann.connect(SERVER.port, SERVER.host));
      expect(ann.isHost).toBe(false);
      await within(ann.disconnect({ shutdownServer: true }));
      await pass(200);
      expect(server.stats.shutdownsRefused).toBe(4);
      expect(warnings).toHaveLength(2);
      expect(server.address).toBeDefined();
      await server.shutdown();
    });
  });

  describe('false, over real UDP on 127.0.0.1', () => {
    it('refuses a shutdown from an rxgase first client, then from a PyGaSe one', async () => {
      const { logger, warned } = warningLogger();
      const server = new Server(new GameStateStore(createGameState({ round: 1 })), {
        remoteShutdown: false,
        logger,
      });
      const { port } = await server.run(0, '127.0.0.1');
      try {
        const ann = new Client();
        await ann.connect(port, '127.0.0.1');
        expect(ann.isHost).toBe(false);
        const annRefused = firstValueFrom(warned);
        await ann.disconnect({ shutdownServer: true });
        expect(await annRefused).toMatch(/^Shutdown requested by 127\.0\.0\.1:\d+: refused/);
        expect(server.stats.shutdownsRefused).toBe(1);

        // Ann is gone: in PyGaSe's rules this one, the next to connect, would be the host.
        const old = new Client({ protocol: 'pygase' });
        await old.connect(port, '127.0.0.1');
        const oldRefused = firstValueFrom(warned);
        await old.disconnect({ shutdownServer: true });
        expect(await oldRefused).toMatch(/remoteShutdown is false/);
        expect(server.stats.shutdownsRefused).toBe(2);
        expect(server.hostClient).toBeUndefined();
        expect(server.address).toBeDefined();
      } finally {
        await server.shutdown();
      }
    });
  });
});
