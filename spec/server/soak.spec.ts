import { world } from '../helpers/world';

/** How many clients, for how many virtual minutes: `SOAK_CLIENTS`, `SOAK_MINUTES`. */
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 100);
const MINUTES = Number(process.env.SOAK_MINUTES ?? 0.5);

/**
 * A long game on a bad network (yojimbo's soak settings: 250 ms latency, 100 ms jitter, 25% loss,
 * 25% duplicates), in virtual time. `npm test` plays half a minute; `npm run soak` plays ten, at
 * about a second of CPU time per virtual second.
 */
describe('a soak on a bad network', () => {
  it(
    `keeps ${CLIENTS} clients for ${MINUTES} virtual minute(s): events once each, states in sync, memory bounded`,
    async () => {
      const { server, machine, store, client, scheduler, pass, within } = world(
        { latencyMs: 250, jitterMs: 100, loss: 0.25, duplicate: 0.25 },
        { maxClients: CLIENTS },
      );
      await server.run(7000, 'server', machine);
      machine.runGameLoop(50);
      // Each MOVE names its client and its number: a handler that runs twice for one is a failure.
      const handled = new Set<string>();
      let handledTwice = 0;
      server.registerEventHandler('MOVE', (name: string, x: number) => {
        const key = `${name}/${x}`;
        if (handled.has(key)) handledTwice++;
        handled.add(key);
      });
      const names = Array.from({ length: CLIENTS }, (_, i) => `p${i}`);
      const clients = names.map((name) => client(name));
      await within(
        Promise.all(clients.map((player) => player.connect(7000, 'server', 60_000))),
        60_000,
      );
      const outcomes = { dispatched: 0, acked: 0, failed: 0 };
      let peak = { pendingEvents: 0, pendingAcks: 0, timers: 0 };
      const end = scheduler.now() + MINUTES * 60_000;
      for (let round = 0; scheduler.now() < end; round++) {
        for (const [i, player] of clients.entries()) {
          if (player.connection === undefined) continue;
          outcomes.dispatched++;
          player.dispatchEvent('MOVE', [names[i], round], {}, { retries: 5 }).subscribe({
            complete: () => outcomes.acked++,
            error: () => outcomes.failed++,
          });
        }
        await pass(1000);
        if (round % 60 === 59)
          process.stdout.write(`soak: ${(round + 1) / 60} virtual minute(s)\n`);
        const connections = [
          ...clients.map((player) => player.connection),
          ...server.connections.values(),
        ];
        let pendingEvents = 0;
        let pendingAcks = 0;
        for (const connection of connections) {
          pendingEvents += connection?.stats.pendingEvents ?? 0;
          pendingAcks += connection?.stats.pendingAcks ?? 0;
        }
        peak = {
          pendingEvents: Math.max(peak.pendingEvents, pendingEvents),
          pendingAcks: Math.max(peak.pendingAcks, pendingAcks),
          timers: Math.max(peak.timers, scheduler.pending),
        };
      }
      // Quiet, the game loop stopped: every event is settled, and the states converge.
      machine.stop();
      await pass(20_000);
      expect(outcomes.acked + outcomes.failed).toBe(outcomes.dispatched);
      expect(outcomes.acked).toBeGreaterThan(outcomes.dispatched * 0.99);
      expect(handledTwice).toBe(0);
      expect(server.connections.size).toBe(CLIENTS);
      const serverState = store.getGameState();
      expect(Object.keys(serverState.players).length).toBe(CLIENTS);
      for (const player of clients) expect(player.state).toEqual(serverState);
      // Bounded: per connection, the events of a few rounds and the packages of one timeout.
      const connections = 2 * CLIENTS;
      expect(peak.pendingEvents).toBeLessThanOrEqual(connections * 8);
      expect(peak.pendingAcks).toBeLessThanOrEqual(connections * 64);
      expect(peak.timers).toBeLessThanOrEqual(connections * 100);
      process.stdout.write(
        `soak: ${JSON.stringify({ ...outcomes, handledTwice, peak, stats: server.stats })}\n`,
      );
      for (const player of clients) await player.disconnect();
      await server.shutdown();
    },
    Math.max(600_000, MINUTES * 60 * 6000),
  );
});
