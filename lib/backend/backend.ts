import type { SchedulerLike } from 'rxjs';
import { InvalidArgumentError } from '../protocol/errors';
import type { Logger } from '../protocol/logger';
import type { GameState } from '../state/gameState';
import { Server } from '../server/server';
import type { ServerOptions } from '../server/server';
import type { Address } from '../transport/datagram';
import type { GameEventHandler, TimeStep } from './gameStateMachine';
import { GameStateMachine } from './gameStateMachine';
import { GameStateStore } from './gameStateStore';

/**
 * How a backend runs. Every field says its default.
 *
 * @category Server/Backend
 */
export interface BackendOptions extends ServerOptions {
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
export class Backend<S extends GameState = GameState> {
  readonly gameStateStore: GameStateStore<S>;
  readonly gameStateMachine: GameStateMachine<S>;
  readonly server: Server<S>;

  /**
   * @throws {@link InvalidArgumentError} If `timeStep` or a handler is not a function.
   * @throws {@link InvalidStateError} If the initial state is not plain data.
   */
  constructor(
    initialGameState: S,
    timeStep: TimeStep<S>,
    eventHandlers: Readonly<Record<string, GameEventHandler>> = {},
    options: BackendOptions = {},
  ) {
    if (typeof timeStep !== 'function') {
      throw new InvalidArgumentError(`the time step must be a function, got ${typeof timeStep}`);
    }
    if (typeof eventHandlers !== 'object' || eventHandlers === null) {
      throw new InvalidArgumentError(
        `the event handlers must be an object of functions by event type, got ${String(eventHandlers)}`,
      );
    }
    this.gameStateStore = new GameStateStore(initialGameState);
    this.gameStateMachine = new GameStateMachine(this.gameStateStore, {
      timeStep,
      ...(options.scheduler && { scheduler: options.scheduler }),
      ...(options.logger && { logger: options.logger }),
    });
    for (const [type, handler] of Object.entries(eventHandlers)) {
      this.gameStateMachine.registerEventHandler(type, handler);
    }
    this.server = new Server(this.gameStateStore, options);
  }

  /**
   * Starts the server and the game loop.
   *
   * @param hostname Default `localhost`.
   * @param port Default 0: a port the system chooses.
   * @param intervalMs Time between game loop ticks; default 20 ms.
   * @return The address the server listens on.
   */
  async run(hostname = 'localhost', port = 0, intervalMs = 20): Promise<Address> {
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
