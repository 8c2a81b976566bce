import type { SchedulerLike } from 'rxjs';
import type { Backend, BackendOptions } from '../backend/backend';
import type { GameEventHandlers, GameStateMachine, TimeStep } from '../game/gameStateMachine';
import type { AnyEvents, GameEvents } from '../protocol/events';
import type { GameStateStore } from '../game/gameStateStore';
import type { ClientOptions } from '../client/client';
import type { ServerOptions } from '../server/serverOptions';
import type { GameState } from '../state/gameState';
import type { NetworkConditions } from '../transport/simulateNetwork';

/**
 * A game given by its parts, as to a `Backend`: the initial state, the time step and the event
 * handlers. The world builds a real `Backend` of them.
 *
 * ## Example
 * ```ts
 * const world = await TestWorld.start({
 *   initialState: createGameState({ count: 0 }),
 *   eventHandlers: { ADD: ({ n }, { gameState }) => ({ count: gameState.count + n }) },
 * });
 * ```
 *
 * @category Testing
 */
export interface TestGameParts<S extends GameState<object>, E extends GameEvents = AnyEvents> {
  /** The state before the game begins. */
  readonly initialState: S;
  /** The game's logic for one tick; default none: only events change the state. */
  readonly timeStep?: TimeStep<S>;
  /** The handler of each type of event; default none. */
  readonly eventHandlers?: GameEventHandlers<S, E>;
}

/**
 * A game with its own `Backend` (a subclass, say), made by the world: pass `options` on to the
 * `Backend` constructor, since they hold the world's clock and network.
 *
 * ## Example
 * ```ts
 * const world = await TestWorld.start({
 *   backend: (options) => new Backend(createGameState({ count: 0 }), () => undefined, handlers, options),
 * });
 * ```
 *
 * @category Testing
 */
export interface TestGameBackend<S extends GameState<object>, E extends GameEvents = AnyEvents> {
  /** Makes the backend with `options` (its scheduler and bind are the world's). */
  readonly backend: (options: BackendOptions) => Backend<S, E>;
}

/**
 * A game with its own `GameStateStore` and `GameStateMachine`, made by the world: build the
 * machine on `scheduler`, the world's virtual clock.
 *
 * ## Example
 * ```ts
 * const world = await TestWorld.start({
 *   stateMachine: (scheduler) => {
 *     const store = new GameStateStore(createGameState({ count: 0 }));
 *     const machine = new GameStateMachine(store, { timeStep: () => undefined, scheduler });
 *     machine.registerEventHandler('ADD', ({ n }, { gameState }) => ({ count: gameState.count + n }));
 *     return { store, machine };
 *   },
 * });
 * ```
 *
 * @category Testing
 */
export interface TestGameStateMachine<
  S extends GameState<object>,
  E extends GameEvents = AnyEvents,
> {
  /** Makes the store and the machine, the machine's loop on `scheduler`. */
  readonly stateMachine: (scheduler: SchedulerLike) => {
    readonly store: GameStateStore<S>;
    readonly machine: GameStateMachine<S, E>;
  };
}

/**
 * The game a test world runs: given by its parts, or your own backend, or your own store and
 * state machine. Whichever, it runs on a real `Server` that real `Client`s connect to; only the
 * network and the clock are simulated.
 *
 * ## Example
 * ```ts
 * const game: TestGame<Counter> = {
 *   initialState: createGameState({ count: 0 }),
 *   eventHandlers: { ADD: ({ n }, { gameState }) => ({ count: gameState.count + n }) },
 * };
 * ```
 *
 * @category Testing
 */
export type TestGame<S extends GameState<object>, E extends GameEvents = AnyEvents> =
  TestGameParts<S, E> | TestGameBackend<S, E> | TestGameStateMachine<S, E>;

/**
 * How a test world runs, beside its game. Every field says its default.
 *
 * ## Example
 * ```ts
 * const world = await TestWorld.start({
 *   ...game,
 *   network: { latencyMs: 100, jitterMs: 30, loss: 0.25, duplicate: 0.1 },
 *   seed: 42,
 *   serverOptions: { maxClients: 8 },
 * });
 * ```
 *
 * @category Testing
 */
export interface TestWorldOptions {
  /**
   * What every client's link to the server does to datagrams, each way; default a perfect link
   * (delivered at once, in order). A client may have its own (see {@link TestClientOptions}).
   */
  readonly network?: NetworkConditions;
  /**
   * The seed of the simulated network; default 1. Each direction of each client's link gets its
   * own seed from it (by the order the clients were made), so the same test with the same seed
   * runs the same way, datagram for datagram.
   */
  readonly seed?: number;
  /** Time between game loop ticks, in virtual ms; default 20. */
  readonly tickMs?: number;
  /**
   * The step in which `advance` and the waits move virtual time, letting promises settle
   * between two steps; default 5 ms. Smaller is finer and slower.
   */
  readonly stepMs?: number;
  /** The server's host on the simulated network; default `server`. */
  readonly host?: string;
  /** The server's port; default 7000. */
  readonly port?: number;
  /** The server's options (`maxClients`, `rateLimit`, `logger`, ...); default none. */
  readonly serverOptions?: Omit<ServerOptions, 'scheduler' | 'bind'>;
}

/**
 * How a test world makes one client: its options as a `Client`'s, but its clock, transport and
 * name resolution are the world's; and its own network conditions. Every field says its default.
 *
 * ## Example
 * ```ts
 * const far = await world.connect('far', { network: { latencyMs: 300, loss: 0.3 } });
 * const old = await world.connect('old', { protocol: 'pygase' });
 * ```
 *
 * @category Testing
 */
export interface TestClientOptions extends Omit<ClientOptions, 'scheduler' | 'bind' | 'resolve'> {
  /**
   * What this client's link does to datagrams, each way; default the world's `network`. With a
   * `seed`, the link's randomness comes from it alone, whatever the other clients.
   */
  readonly network?: NetworkConditions;
}
