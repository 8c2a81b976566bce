import { Subject, asyncScheduler, timer } from 'rxjs';
import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import { EventQueueFullError, InvalidArgumentError, InvalidStateError } from '../protocol/errors';
import type { Logger } from '../util/logger';
import { EventHandlers } from '../connection/eventHandlers';
import type { EventArgs } from '../connection/eventHandlers';
import type {
  AnyEvents,
  AnyPayload,
  EventType,
  GameEvents,
  HandlerPayload,
} from '../protocol/events';
import { silentLogger } from '../util/logger';
import type { GameEvent } from '../protocol/packages';
import { sqnAdd } from '../protocol/sequence';
import type { GameState, GameStateUpdate } from '../state/gameState';
import { GameStatus, RESERVED_KEYS } from '../state/gameState';
import { mergeUpdates } from '../state/mergeUpdates';
import type { CheckedChanges, StateChanges } from '../state/stateChanges';
import { copyData, isPlainObject } from '../state/values';
import { setEntry } from '../util/setEntry';
import type { Address } from '../transport/datagram';
import { addressKey } from '../transport/datagram';
import type { GameStateStore } from './gameStateStore';
import { ThrottledWarning } from '../util/throttledWarning';
import {
  DEFAULT_MAX_EVENTS_PER_CLIENT_PER_TICK,
  DEFAULT_MAX_QUEUED_EVENTS_PER_CLIENT,
  FairQueue,
} from './fairQueue';

/**
 * Advances the game by `dt` seconds: returns the changes, or nothing when nothing changed.
 * Returning `game_status: GameStatus.Paused` stops the loop.
 *
 * @category Server/Backend
 */
export type TimeStep<S extends GameState<object> = GameState> = (
  gameState: S,
  dt: number,
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- game code may return nothing
) => StateChanges<S> | void;

/**
 * What a game-loop handler gets beside the event's payload: the state the tick started from, its
 * `dt`, who sent the event, and the event's positional arguments. None of it can be shadowed by a
 * keyword argument of the event: those are in the payload.
 *
 * @category Server/Backend
 */
export interface HandlerContext<S extends GameState<object> = GameState> extends EventArgs {
  readonly gameState: S;
  readonly dt: number;
  /** The client that sent the event; none for an event the server pushed itself. */
  readonly clientAddress: Address | undefined;
}

/**
 * Handles one type of event in the game loop: called with the event's payload (its keyword
 * arguments) and a {@link HandlerContext}; returns the changes to the state, or nothing. A
 * handler written as PyGaSe's are (positional arguments, then keyword arguments and context in
 * one object) fits once wrapped in {@link pygaseHandler}.
 *
 * @typeParam S The state.
 * @typeParam P The payload.
 * @category Server/Backend
 */
export type GameEventHandler<S extends GameState<object> = GameState, P = AnyPayload> = (
  payload: HandlerPayload<P>,
  context: HandlerContext<S>,
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- game code may return nothing
) => StateChanges<S> | void;

/**
 * A handler for each type of event clients send, as a backend takes them.
 *
 * @category Server/Backend
 */
export type GameEventHandlers<
  S extends GameState<object> = GameState,
  E extends GameEvents = AnyEvents,
> = {
  readonly [K in EventType<E['toServer']>]?: GameEventHandler<S, E['toServer'][K]>;
};

/**
 * A time step or handler that threw, and where.
 *
 * @category Server/Backend
 */
export interface HandlerFailure {
  /**
   * `'timeStep'`, the type of the event whose handler threw, or `'eventQueue'` for a client's
   * events dropped as its queue was full (the error an `EventQueueFullError`).
   */
  readonly source: string;
  readonly error: unknown;
}

/**
 * How a state machine runs. Every field says its default.
 *
 * @category Server/Backend
 */
export interface GameStateMachineOptions<
  S extends GameState<object>,
  E extends GameEvents = AnyEvents,
> {
  /** The game's logic for one step; default none (a subclass may override `timeStep`). */
  readonly timeStep?: TimeStep<S>;
  /** A handler for each type of event; default none ({@link GameStateMachine.registerEventHandler} adds them). */
  readonly eventHandlers?: GameEventHandlers<S, E>;
  /** Where the loop's timer runs; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Default silent. */
  readonly logger?: Logger;
  /**
   * How many events of one client a tick handles at most; default 64
   * (`DEFAULT_MAX_EVENTS_PER_CLIENT_PER_TICK`). The rest wait for the next tick, in order, so a
   * client that floods the loop slows only itself. A whole number above 0.
   */
  readonly maxEventsPerClientPerTick?: number;
  /**
   * How many events of one client may wait for a tick; default 1,024
   * (`DEFAULT_MAX_QUEUED_EVENTS_PER_CLIENT`). One more is dropped: counted in `eventsDropped`,
   * reported on `errors$` (source `'eventQueue'`, an `EventQueueFullError`) at the next tick,
   * and logged at WARN (at most every 10 s). Its sender had its ack: it is the count, not the
   * sender, that says it was lost. A whole number above 0.
   */
  readonly maxQueuedEventsPerClient?: number;
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
 * machine.registerEventHandler('NUDGE', ({ by }, { gameState }) => ({
 *   foo: gameState.foo + by,
 * }));
 * machine.runGameLoop(20);
 * ```
 *
 * @category Server/Backend
 */
export class GameStateMachine<
  S extends GameState<object> = GameState,
  E extends GameEvents = AnyEvents,
> {
  /** Time steps and handlers that threw. The loop goes on. */
  readonly errors$: Observable<HandlerFailure>;

  private readonly handlers = new EventHandlers<GameEventHandler<S, never>>();
  private readonly queue: FairQueue;
  private readonly drops: ThrottledWarning;
  private readonly errors = new Subject<HandlerFailure>();
  private readonly scheduler: SchedulerLike;
  private readonly logger: Logger;
  private readonly step: TimeStep<S> | undefined;
  private loop: Subscription | undefined;
  private lastTick: number | undefined;
  private seconds = 0;

  /**
   * @throws {@link InvalidArgumentError} If `options.timeStep` is given and is not a function, or
   *   an event handler is not a function.
   */
  constructor(
    private readonly store: GameStateStore<S>,
    options: GameStateMachineOptions<S, E> = {},
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
    this.queue = new FairQueue(
      options.maxEventsPerClientPerTick ?? DEFAULT_MAX_EVENTS_PER_CLIENT_PER_TICK,
      options.maxQueuedEventsPerClient ?? DEFAULT_MAX_QUEUED_EVENTS_PER_CLIENT,
    );
    this.drops = new ThrottledWarning(this.logger, this.scheduler);
    const { eventHandlers = {} } = options;
    if (typeof eventHandlers !== 'object' || eventHandlers === null) {
      throw new InvalidArgumentError(
        `the event handlers must be an object of functions by event type, got ${String(eventHandlers)}`,
      );
    }
    for (const [type, handler] of Object.entries(eventHandlers)) {
      // An undefined entry is refused too: in JavaScript it is most often a misspelt function.
      this.handlers.register(type, handler as GameEventHandler<S, never>);
    }
  }

  /** How long the game has run, in seconds: the sum of the ticks' `dt`. */
  get gameTime(): number {
    return this.seconds;
  }

  /** Events of clients dropped as their queue was full (see `maxQueuedEventsPerClient`). */
  get eventsDropped(): number {
    return this.queue.droppedCount;
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
  timeStep(gameState: S, dt: number): StateChanges<S> | void {
    if (this.step === undefined) {
      throw new InvalidArgumentError(
        'the game state machine has no time step: pass timeStep or override it',
      );
    }
    return this.step(gameState, dt);
  }

  /**
   * Makes `handler` handle the events of `type` from now on, in place of any before it. Its
   * payload is typed by the events' map, and what it returns is checked against the state type,
   * keys included.
   *
   * @throws {@link InvalidArgumentError} If `handler` is not a function.
   */
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- game code may return nothing
  registerEventHandler<K extends EventType<E['toServer']>, R extends StateChanges<S> | void>(
    type: K,
    handler: (
      payload: HandlerPayload<E['toServer'][K]>,
      context: HandlerContext<S>,
    ) => R & CheckedChanges<R, S>,
  ): void {
    this.handlers.register(type, handler);
  }

  /**
   * Queues an event for the next tick, as if `clientAddress` had sent it (none: the server's own),
   * or a later one when its client has `maxEventsPerClientPerTick` queued before it; events of a
   * type without a handler are skipped then. Past `maxQueuedEventsPerClient` waiting, a client's
   * event is dropped and counted. It takes events as they come off the wire, so its payload is not
   * checked against the events' map.
   */
  pushEvent(event: GameEvent, clientAddress?: Address): void {
    this.queue.push(event, clientAddress);
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
    this.reportDrops();
    for (const { event, clientAddress } of this.queue.take()) {
      const handler = this.handlers.get(event.type);
      if (handler === undefined) {
        this.logger.debug(`No handler for ${event.type} events; skipped.`);
        continue;
      }
      const context = { gameState, dt, clientAddress, args: event.args };
      const changes = this.run(event.type, () => handler(event.kwargs as never, context));
      update = mergeUpdates(update, { ...changes, time_order: timeOrder });
    }
    this.seconds += dt;
    this.store.pushUpdate(update);
  }

  /** Events dropped since the last tick, one report per client. */
  private reportDrops(): void {
    for (const { clientAddress, count } of this.queue.dropped()) {
      const error = new EventQueueFullError(
        `${count} events from ${addressKey(clientAddress)} dropped: its ${this.queue.maxQueued} events waiting for the game loop are as many as maxQueuedEventsPerClient allows`,
      );
      this.drops.warn(error.message);
      this.errors.next({ source: 'eventQueue', error });
    }
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
