import type { SchedulerLike } from 'rxjs';
import { Backend } from '../backend/backend';
import type { BackendOptions } from '../backend/backend';
import type { GameEventHandlers, TimeStep } from '../game/gameHandlers';
import type { GameStateMachine } from '../game/gameStateMachine';
import type { AnyEvents, GameEvents } from '../protocol/events';
import type { GameStateStore } from '../game/gameStateStore';
import { InvalidArgumentError } from '../protocol/errors';
import { Server } from '../server/server';
import type { GameState } from '../state/gameState';

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

/** The parts of a game a test world runs, made. */
export interface BuiltGame<S extends GameState<object>, E extends GameEvents> {
  readonly server: Server<S, E>;
  readonly gameStateStore: GameStateStore<S>;
  readonly gameStateMachine: GameStateMachine<S, E>;
  /** The backend, when the game was given by its parts or as a backend. */
  readonly backend: Backend<S, E> | undefined;
}

/**
 * Makes the game a test world runs, on `backendOptions` (the world's clock and network).
 *
 * @throws {@link InvalidArgumentError} If the game is none of the three kinds of {@link TestGame}.
 */
export function buildTestGame<S extends GameState<object>, E extends GameEvents>(
  game: TestGame<S, E>,
  scheduler: SchedulerLike,
  backendOptions: BackendOptions<S>,
): BuiltGame<S, E> {
  let backend: Backend<S, E>;
  if ('initialState' in game) {
    backend = new Backend(
      game.initialState,
      game.timeStep ?? (() => undefined),
      game.eventHandlers ?? {},
      backendOptions,
    );
  } else if ('backend' in game) {
    backend = game.backend(backendOptions);
  } else if ('stateMachine' in game) {
    const { store, machine } = game.stateMachine(scheduler);
    return {
      server: new Server(store, backendOptions),
      gameStateStore: store,
      gameStateMachine: machine,
      backend: undefined,
    };
  } else {
    throw new InvalidArgumentError(
      'the game must have an initialState, a backend or a stateMachine',
    );
  }
  const { server, gameStateStore, gameStateMachine } = backend;
  return { server, gameStateStore, gameStateMachine, backend };
}
