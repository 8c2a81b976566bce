import type { SchedulerLike } from 'rxjs';
import { InvalidArgumentError } from '../protocol/errors';
import type { Logger } from '../util/logger';
import type { GameState } from '../state/gameState';
import { Server } from '../server/server';
import type { ServerOptions } from '../server/serverOptions';
import type { Address } from '../transport/datagram';
import type { AnyEvents, GameEvents } from '../protocol/events';
import type { GameEventHandlers, TimeStep } from '../game/gameHandlers';
import type { GameStateMachineOptions } from '../game/gameStateMachineOptions';
import { GameStateMachine, checkLoopInterval } from '../game/gameStateMachine';
import { GameStateStore } from '../game/gameStateStore';

/**
 * How a backend runs. Every field says its default.
 *
 * @category Server/Backend
 */
export interface BackendOptions<S extends GameState<object> = GameState>
  extends
    ServerOptions<S>,
    Pick<
      GameStateMachineOptions<GameState>,
      'maxEventsPerClientPerTick' | 'maxQueuedEventsPerClient'
    > {
  /** Where the game loop and the connections run; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Default silent. */
  readonly logger?: Logger;
}

/**
 * A whole game backend, as PyGaSe's `Backend`: a {@link GameStateStore} with the initial state,
 * a {@link GameStateMachine} running the time step and the event handlers, and a {@link Server}
 * keeping the clients in sync.
 *
 * ## Example
 * ```ts
 * const backend = new Backend(
 *   createGameState({ foo: 0.0, bar: 0.5 }),
 *   (state, dt) => ({ foo: state.foo + state.bar * dt }),
 *   { SET_BAR: ({ new_bar }) => ({ bar: new_bar }), RESET_FOO: () => ({ foo: 0.0 }) },
 * );
 * await backend.run('localhost', 8080);
 * ```
 *
 * @category Server/Backend
 */
export class Backend<S extends GameState<object> = GameState, E extends GameEvents = AnyEvents> {
  readonly gameStateStore: GameStateStore<S>;
  readonly gameStateMachine: GameStateMachine<S, E>;
  readonly server: Server<S, E>;

  /**
   * @throws {@link InvalidArgumentError} If `timeStep` or a handler is not a function.
   * @throws {@link InvalidStateError} If the initial state is not plain data.
   */
  constructor(
    initialGameState: S,
    timeStep: TimeStep<S>,
    eventHandlers: GameEventHandlers<S, E> = {},
    options: NoInfer<BackendOptions<S>> = {},
  ) {
    if (typeof timeStep !== 'function') {
      throw new InvalidArgumentError(`the time step must be a function, got ${typeof timeStep}`);
    }
    this.gameStateStore = new GameStateStore(initialGameState);
    this.gameStateMachine = new GameStateMachine<S, E>(this.gameStateStore, {
      timeStep,
      eventHandlers,
      ...(options.scheduler && { scheduler: options.scheduler }),
      ...(options.logger && { logger: options.logger }),
      maxEventsPerClientPerTick: options.maxEventsPerClientPerTick,
      maxQueuedEventsPerClient: options.maxQueuedEventsPerClient,
    });
    this.server = new Server(this.gameStateStore, options);
  }

  /**
   * Starts the server and the game loop.
   *
   * @param hostname Default `localhost`.
   * @param port Default 0: a port the system chooses.
   * @param intervalMs Time between game loop ticks; default 20 ms.
   * @return The address the server listens on.
   * @throws {@link InvalidArgumentError} If the port or the hostname is not one (see `Server.run`),
   *   or `intervalMs` is not a number of ms above 0 and at most 2,147,483,647.
   * @throws {@link HostNotFoundError} If the hostname does not resolve.
   */
  async run(hostname = 'localhost', port = 0, intervalMs = 20): Promise<Address> {
    // Checked first: a bad interval binds no socket.
    checkLoopInterval(intervalMs);
    const address = await this.server.run(port, hostname, this.gameStateMachine);
    this.gameStateMachine.runGameLoop(intervalMs);
    void this.server.whenShutDown().then(() => this.gameStateMachine.stop());
    return address;
  }

  /** Resolves when the backend shuts down: by {@link shutdown} or by the host client. */
  whenShutDown(): Promise<void> {
    return this.server.whenShutDown();
  }

  /** Stops the game loop (pausing the game) and the server. */
  async shutdown(): Promise<void> {
    this.gameStateMachine.stop();
    await this.server.shutdown();
  }
}
