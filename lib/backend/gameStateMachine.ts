import { Subject, asyncScheduler, timer } from 'rxjs';
import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import { InvalidArgumentError, InvalidStateError } from '../protocol/errors';
import type { Logger } from '../protocol/logger';
import { EventHandlers } from '../connection/eventHandlers';
import { silentLogger } from '../protocol/logger';
import type { GameEvent } from '../protocol/packages';
import { sqnAdd } from '../protocol/sequence';
import type { GameState, GameStateUpdate } from '../state/gameState';
import { GameStatus, RESERVED_KEYS } from '../state/gameState';
import { mergeUpdates } from '../state/mergeUpdates';
import { copyData, isPlainObject } from '../state/values';
import { setEntry } from '../protocol/setEntry';
import type { Address } from '../transport/datagram';
import type { GameStateStore } from './gameStateStore';

/**
 * The changes a time step or an event handler returns: keys of the state, nothing else.
 *
 * @category Server/Backend
 */
export type StateChanges = Readonly<Record<string, unknown>>;

/**
 * Advances the game by `dt` seconds: returns the changes, or nothing when nothing changed.
 * Returning `game_status: GameStatus.Paused` stops the loop.
 *
 * @category Server/Backend
 */
export type TimeStep<S extends GameState = GameState> = (
  gameState: S,
  dt: number,
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- game code may return nothing
) => StateChanges | void;

/**
 * What a handler gets after the event's positional arguments: the event's keyword arguments,
 * and, as in PyGaSe, the state the tick started from, its `dt` and who sent the event.
 *
 * @category Server/Backend
 */
export type HandlerContext<S extends GameState = GameState> = Readonly<Record<string, unknown>> & {
  readonly gameState: S;
  readonly dt: number;
  readonly clientAddress: Address | undefined;
};

/**
 * Handles one type of event: called with the event's positional arguments, then a
 * {@link HandlerContext}; returns the changes to the state, or nothing.
 *
 * @category Server/Backend
 */
// The arguments are the sender's, typed by the handler's author as in PyGaSe; and game code may
// return nothing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any, @typescript-eslint/no-invalid-void-type
export type GameEventHandler = (...args: any[]) => StateChanges | void;

/**
 * A time step or handler that threw, and where.
 *
 * @category Server/Backend
 */
export interface HandlerFailure {
  /** `'timeStep'`, or the type of the event whose handler threw. */
  readonly source: string;
  readonly error: unknown;
}

/**
 * How a state machine runs. Every field says its default.
 *
 * @category Server/Backend
 */
export interface GameStateMachineOptions<S extends GameState> {
  /** The game's logic for one step; default none (a subclass may override `timeStep`). */
  readonly timeStep?: TimeStep<S>;
  /** Where the loop's timer runs; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Default silent. */
  readonly logger?: Logger;
}

/**
 * Runs the game: every tick it calls the time step with the time since the last tick, lets the
 * handlers of the events that came in meanwhile change the state too, merges all of it into one
 * update and pushes that to the store.
 *
 * ## Example
 * ```ts
 * const store = new GameStateStore(createGameState({ foo: 0, bar: 0.5 }));
 * const machine = new GameStateMachine(store, {
 *   timeStep: (state, dt) => ({ foo: state.foo + state.bar * dt }),
 * });
 * machine.registerEventHandler('SET_BAR', ({ new_bar }) => ({ bar: new_bar }));
 * machine.runGameLoop(20);
 * ```
 *
 * @category Server/Backend
 */
export class GameStateMachine<S extends GameState = GameState> {
  /** Time steps and handlers that threw. The loop goes on. */
  readonly errors$: Observable<HandlerFailure>;

  private readonly handlers = new EventHandlers<GameEventHandler>();
  private readonly queue: { event: GameEvent; clientAddress: Address | undefined }[] = [];
  private readonly errors = new Subject<HandlerFailure>();
  private readonly scheduler: SchedulerLike;
  private readonly logger: Logger;
  private readonly step: TimeStep<S> | undefined;
  private loop: Subscription | undefined;
  private lastTick: number | undefined;
  private seconds = 0;

  /** @throws {@link InvalidArgumentError} If `options.timeStep` is given and is not a function. */
  constructor(
    private readonly store: GameStateStore<S>,
    options: GameStateMachineOptions<S> = {},
  ) {
    if (options.timeStep !== undefined && typeof options.timeStep !== 'function') {
      throw new InvalidArgumentError(
        `the time step must be a function, got ${typeof options.timeStep}`,
      );
    }
    this.step = options.timeStep;
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.logger = options.logger ?? silentLogger;
    this.errors$ = this.errors.asObservable();
  }

  /** How long the game has run, in seconds: the sum of the ticks' `dt`. */
  get gameTime(): number {
    return this.seconds;
  }

  /** Whether the game loop runs. */
  get isRunning(): boolean {
    return this.loop !== undefined;
  }

  /**
   * The game's logic for one step. Override it in a subclass, or pass `timeStep` to the
   * constructor.
   */
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- game code may return nothing
  timeStep(gameState: S, dt: number): StateChanges | void {
    if (this.step === undefined) {
      throw new InvalidArgumentError(
        'the game state machine has no time step: pass timeStep or override it',
      );
    }
    return this.step(gameState, dt);
  }

  /**
   * Makes `handler` handle the events of `type` from now on, in place of any before it.
   *
   * @throws {@link InvalidArgumentError} If `handler` is not a function.
   */
  registerEventHandler(type: string, handler: GameEventHandler): void {
    this.handlers.register(type, handler);
  }

  /** Queues an event for the next tick; events of a type without a handler are skipped then. */
  pushEvent(event: GameEvent, clientAddress?: Address): void {
    this.queue.push({ event, clientAddress });
  }

  /**
   * Starts the game loop: the state turns Active, then a tick every `intervalMs` on the
   * scheduler, each with `dt` measured from the start of the last. It runs until {@link stop},
   * or until an update pauses the game.
   */
  runGameLoop(intervalMs = 20): void {
    if (this.loop !== undefined) return;
    if (this.step === undefined && this.timeStep === GameStateMachine.prototype.timeStep) {
      throw new InvalidArgumentError(
        'the game state machine has no time step: pass timeStep or override it',
      );
    }
    if (!(intervalMs > 0)) {
      throw new InvalidArgumentError(
        `the game loop interval must be a positive number of ms, got ${intervalMs}`,
      );
    }
    const state = this.store.getGameState();
    if (state.game_status === GameStatus.Paused) {
      this.store.pushUpdate({
        time_order: sqnAdd(state.time_order, 1),
        game_status: GameStatus.Active,
      });
    }
    this.lastTick = undefined;
    this.logger.info(`Game loop running every ${intervalMs} ms.`);
    this.loop = timer(0, intervalMs, this.scheduler).subscribe(() => this.tick(intervalMs));
  }

  /** Stops the game loop and pauses the game; {@link runGameLoop} resumes it. */
  stop(): void {
    this.halt();
    const state = this.store.getGameState();
    if (state.game_status === GameStatus.Active) {
      this.store.pushUpdate({
        time_order: sqnAdd(state.time_order, 1),
        game_status: GameStatus.Paused,
      });
    }
  }

  private halt(): void {
    if (this.loop === undefined) return;
    this.loop.unsubscribe();
    this.loop = undefined;
    this.logger.info('Game loop stopped.');
  }

  private tick(intervalMs: number): void {
    const now = this.scheduler.now();
    const dt = (this.lastTick === undefined ? intervalMs : now - this.lastTick) / 1000;
    this.lastTick = now;
    const gameState = this.store.getGameState();
    if (gameState.game_status !== GameStatus.Active) return this.halt();
    const timeOrder = sqnAdd(gameState.time_order, 1);
    let update: GameStateUpdate = {
      ...this.run('timeStep', () => this.timeStep(gameState, dt)),
      time_order: timeOrder,
    };
    for (const { event, clientAddress } of this.queue.splice(0)) {
      const handler = this.handlers.get(event.type);
      if (handler === undefined) {
        this.logger.debug(`No handler for ${event.type} events; skipped.`);
        continue;
      }
      const context = { ...event.kwargs, gameState, dt, clientAddress };
      const changes = this.run(event.type, () => handler(...event.args, context));
      update = mergeUpdates(update, { ...changes, time_order: timeOrder });
    }
    this.seconds += dt;
    this.store.pushUpdate(update);
  }

  /** Runs game code; what it throws or returns wrongly is reported, and counts as no change. */
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- game code may return nothing
  private run(source: string, code: () => StateChanges | void): StateChanges {
    try {
      const changes = code();
      if (changes === undefined || changes === null) return {};
      if (!isPlainObject(changes)) {
        throw new InvalidStateError(
          `${source} must return a plain object of state changes, or nothing`,
        );
      }
      const own: Record<string, unknown> = {};
      for (const key of Object.keys(changes)) {
        if (!RESERVED_KEYS.has(key) || key === 'game_status') setEntry(own, key, changes[key]);
      }
      return copyData(own) as StateChanges; // refuses what is not plain data, here
    } catch (error) {
      this.logger.error(`The ${source} handler threw; the game goes on.`, error);
      this.errors.next({ source, error });
      return {};
    }
  }
}
