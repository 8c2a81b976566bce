import { Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import { InvalidArgumentError } from '../protocol/errors';
import type { Logger } from '../protocol/logger';
import { silentLogger } from '../protocol/logger';
import type { GameEvent } from '../protocol/packages';

/**
 * A handler that threw, and the type of the event it was handling.
 *
 * @category Server/Backend
 */
export interface HandlerError {
  readonly type: string;
  readonly error: unknown;
}

/**
 * Handlers by event type, as the server, the client and the game state machine keep them: one per
 * type, each checked to be a function when it is registered.
 *
 * @typeParam H The handlers' function type.
 *
 * @internal
 */
export class EventHandlers<H extends (...args: never[]) => unknown> {
  /** Handlers that threw in {@link handle}. */
  readonly errors$: Observable<HandlerError>;
  private readonly errors = new Subject<HandlerError>();
  private readonly handlers = new Map<string, H>();

  /**
   * @param logger Where a handler that threw is logged; default silent.
   * @param who What goes on after a handler threw, for the log: `server`, `client`.
   */
  constructor(
    private readonly logger: Logger = silentLogger,
    private readonly who = 'receiver',
  ) {
    this.errors$ = this.errors.asObservable();
  }

  /**
   * Makes `handler` handle the events of `type`, in place of any before it.
   *
   * @throws {@link InvalidArgumentError} If `type` is not a string or `handler` not a function.
   */
  register(type: string, handler: H): void {
    if (typeof type !== 'string') {
      throw new InvalidArgumentError(`an event type must be a string, got ${typeof type}`);
    }
    if (typeof handler !== 'function') {
      throw new InvalidArgumentError(
        `the handler for ${type} events must be a function, got ${typeof handler}`,
      );
    }
    this.handlers.set(type, handler);
  }

  /** The handler of `type`, if one is registered. */
  get(type: string): H | undefined {
    return this.handlers.get(type);
  }

  /**
   * Calls the handler of `event`, if there is one, as PyGaSe calls it: with the event's
   * positional arguments, then its keyword arguments merged with `context`. A handler that throws
   * is reported on `errors$` and the log, and the caller goes on.
   */
  handle(event: GameEvent, context: Readonly<Record<string, unknown>> = {}): void {
    const handler = this.handlers.get(event.type) as ((...args: unknown[]) => unknown) | undefined;
    if (handler === undefined) return;
    try {
      handler(...event.args, { ...event.kwargs, ...context });
    } catch (error) {
      this.logger.error(`The ${event.type} handler threw; the ${this.who} goes on.`, error);
      this.errors.next({ type: event.type, error });
    }
  }
}
