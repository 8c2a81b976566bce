import { filter } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { GameStateMachine } from '../../lib/game/gameStateMachine';
import { GameStateStore } from '../../lib/game/gameStateStore';
import { Client } from '../../lib/client/client';
import { pygaseHandler } from '../../lib/connection/eventHandlers';
import type { ClientOptions } from '../../lib/client/clientOptions';
import type { GameState } from '../../lib/state/gameState';
import { createGameState } from '../../lib/state/gameState';
import { TO_DELETE } from '../../lib/state/toDelete';
import { Server } from '../../lib/server/server';
import type { ServerOptions } from '../../lib/server/serverOptions';
import type { Transport } from '../../lib/transport/datagram';
import { MemoryNetwork } from '../../lib/transport/memoryNetwork';
import type { NetworkConditions } from '../../lib/transport/simulateNetwork';
import { simulateNetwork } from '../../lib/transport/simulateNetwork';
import { SimulationScheduler } from '../../lib/transport/simulationScheduler';

export type Arena = GameState<{
  players: Record<string, { x: number; score?: number }>;
  round: number;
}>;

/**
 * The arena game: players JOIN (at x 0, score 0), MOVE to an x, and LEAVE; the time step changes
 * nothing. Its loop runs on `scheduler`, default the real clock.
 */
export function arena(scheduler?: SchedulerLike) {
  const store = new GameStateStore<Arena>(createGameState({ players: {}, round: 1 }) as Arena);
  const machine = new GameStateMachine(store, {
    timeStep: () => ({}),
    ...(scheduler === undefined ? {} : { scheduler }),
  });
  // Written as PyGaSe's handlers are: the specs send positional arguments, as PyGaSe peers do.
  machine.registerEventHandler(
    'JOIN',
    pygaseHandler((name: string) => ({ players: { [name]: { x: 0, score: 0 } } })),
  );
  machine.registerEventHandler(
    'MOVE',
    pygaseHandler((name: string, x: number) => ({ players: { [name]: { x } } })),
  );
  machine.registerEventHandler(
    'LEAVE',
    pygaseHandler((name: string) => ({ players: { [name]: TO_DELETE } })),
  );
  return { store, machine };
}

/**
 * A server and clients on an in-memory network in virtual time. Promises (connect, waitUntil)
 * settle between steps of virtual time, so whole sessions run in milliseconds, the same way each
 * time.
 */
export function world(
  conditions?: NetworkConditions,
  serverOptions: ServerOptions = {},
  wrapServer: (transport: Transport) => Transport = (transport) => transport,
) {
  const scheduler = new SimulationScheduler();
  const network = new MemoryNetwork(scheduler);
  const lossy = lossyLinks(scheduler, conditions, 10);
  const { store, machine } = arena(scheduler);
  const server = new Server(store, {
    ...serverOptions,
    scheduler,
    bind: async (port, host) => wrapServer(lossy(network.bind({ host, port: port || 7000 }))),
  });
  const cut = new Set<string>();
  /** Each client's transport by name, the latest bound: to send in its name, from its address. */
  const transports = new Map<string, Transport>();
  /** A client on host `name`, bound to `port` when given (the same address again), else a free one. */
  const client = (name: string, options: ClientOptions = {}, port?: number): Client<Arena> =>
    new Client<Arena>({
      ...options,
      scheduler,
      bind: async () => {
        const bound = network.bind({ host: name, ...(port === undefined ? {} : { port }) });
        transports.set(name, bound);
        const transport = lossy(bound);
        // While the client's name is in `cut`, nothing reaches it.
        return {
          ...transport,
          datagrams$: transport.datagrams$.pipe(filter(() => !cut.has(name))),
        };
      },
      resolve: async (host) => host,
    });
  const { pass, within } = virtualTime(scheduler);
  return { scheduler, network, cut, transports, server, machine, store, client, pass, within };
}

/**
 * Waits in the virtual time of `scheduler`: `pass(ms)` lets `ms` go by in steps of 5 ms, settling
 * promises between them; `within(promise, ms)` awaits a promise while up to `ms` go by.
 */
export function virtualTime(scheduler: SimulationScheduler) {
  const pass = async (ms: number): Promise<void> => {
    const until = scheduler.now() + ms;
    while (scheduler.now() < until) {
      scheduler.advanceTo(Math.min(until, scheduler.now() + 5));
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const within = async <T>(promise: Promise<T>, ms = 10_000): Promise<T> => {
    let done = false;
    const settled = promise.finally(() => (done = true));
    settled.catch(() => undefined); // handled by whoever awaits what within() returns
    for (let waited = 0; !done && waited < ms; waited += 5) await pass(5);
    return settled;
  };
  return { pass, within };
}

/**
 * Gives a transport's incoming datagrams the network `conditions` (none: as they are), each
 * transport with a seed of its own, counting from `firstSeed`.
 */
export function lossyLinks(
  scheduler: SimulationScheduler,
  conditions: NetworkConditions | undefined,
  firstSeed: number,
): (transport: Transport) => Transport {
  let seed = firstSeed;
  return (transport) =>
    conditions === undefined
      ? transport
      : {
          ...transport,
          datagrams$: transport.datagrams$.pipe(
            simulateNetwork({ ...conditions, seed: seed++ }, scheduler),
          ),
        };
}
