import { Subject, timer } from 'rxjs';
import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import { EventQueueFullError, InvalidArgumentError } from '../protocol/errors';
import { MAX_TIMER_MS } from '../options/checkOption';
import type { Logger } from '../util/logger';
import { EventHandlers } from '../connection/eventHandlers';
import type { AnyEvents, EventType, GameEvents, HandlerPayload } from '../protocol/events';
import type { GameEvent } from '../protocol/packages';
import { sqnAdd } from '../protocol/sequence';
import type { GameState, GameStateUpdate } from '../state/gameState';
import { GameStatus } from '../state/gameState';
import { mergeUpdates } from '../state/mergeUpdates';
import type { CheckedChanges, StateChanges } from '../state/stateChanges';
import type { Address } from '../transport/datagram';
import { addressKey } from '../transport/datagram';
import type { GameStateStore } from './gameStateStore';
import { ThrottledWarning } from '../util/throttledWarning';
import { FairQueue } from './fairQueue';
import type { GameEventHandler, HandlerContext, HandlerFailure, TimeStep } from './gameHandlers';
import { ownChanges } from './gameHandlers';
import { resolveGameStateMachineOptions } from './gameStateMachineOptions';
import type { GameStateMachineOptions } from './gameStateMachineOptions';

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
    const { timeStep, scheduler, logger, eventHandlers, ...limits } =
      resolveGameStateMachineOptions(options);
    this.step = timeStep;
    this.scheduler = scheduler;
    this.logger = logger;
    this.errors$ = this.errors.asObservable();
    this.queue = new FairQueue(limits.maxEventsPerClientPerTick, limits.maxQueuedEventsPerClient);
    this.drops = new ThrottledWarning(this.logger, this.scheduler);
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
    checkLoopInterval(intervalMs);
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
      return ownChanges(source, code());
    } catch (error) {
      this.logger.error(`The ${source} handler threw; the game goes on.`, error);
      this.errors.next({ source, error });
      return {};
    }
  }
}

/**
 * Checks a game loop's interval: a number of ms above 0 and at most 2,147,483,647, Node's longest
 * timer (a longer one, or `Infinity`, would fire every millisecond).
 *
 * @throws {@link InvalidArgumentError} If it is not.
 */
export function checkLoopInterval(intervalMs: unknown): void {
  if (typeof intervalMs !== 'number' || !(intervalMs > 0 && intervalMs <= MAX_TIMER_MS)) {
    throw new InvalidArgumentError(
      `the game loop interval must be a number of ms above 0 and at most ${MAX_TIMER_MS}, got ${String(intervalMs)}`,
    );
  }
}
