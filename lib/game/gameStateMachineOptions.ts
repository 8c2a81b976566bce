import { asyncScheduler } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { InvalidArgumentError } from '../protocol/errors';
import type { AnyEvents, GameEvents } from '../protocol/events';
import type { GameState } from '../state/gameState';
import type { Logger } from '../util/logger';
import { silentLogger } from '../util/logger';
import {
  DEFAULT_MAX_EVENTS_PER_CLIENT_PER_TICK,
  DEFAULT_MAX_QUEUED_EVENTS_PER_CLIENT,
} from './fairQueue';
import type { GameEventHandlers, TimeStep } from './gameHandlers';

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

/** A state machine's options with their defaults filled in; `timeStep` has none. */
export type ResolvedGameStateMachineOptions<
  S extends GameState<object>,
  E extends GameEvents = AnyEvents,
> = Required<Omit<GameStateMachineOptions<S, E>, 'timeStep'>> &
  Pick<GameStateMachineOptions<S, E>, 'timeStep'>;

/**
 * Fills in the defaults of a state machine's options. The limits are checked by the queue they
 * go to, the handlers as they are registered.
 *
 * @throws {@link InvalidArgumentError} If `timeStep` is given and is not a function.
 */
export function resolveGameStateMachineOptions<
  S extends GameState<object>,
  E extends GameEvents = AnyEvents,
>(options: GameStateMachineOptions<S, E>): ResolvedGameStateMachineOptions<S, E> {
  const { timeStep, eventHandlers = {} } = options;
  if (timeStep !== undefined && typeof timeStep !== 'function') {
    throw new InvalidArgumentError(`the time step must be a function, got ${typeof timeStep}`);
  }
  return {
    timeStep,
    eventHandlers,
    scheduler: options.scheduler ?? asyncScheduler,
    logger: options.logger ?? silentLogger,
    maxEventsPerClientPerTick:
      options.maxEventsPerClientPerTick ?? DEFAULT_MAX_EVENTS_PER_CLIENT_PER_TICK,
    maxQueuedEventsPerClient:
      options.maxQueuedEventsPerClient ?? DEFAULT_MAX_QUEUED_EVENTS_PER_CLIENT,
  };
}
