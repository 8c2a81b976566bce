import { Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import { InvalidArgumentError } from '../protocol/errors';
import type { Logger } from '../util/logger';
import { silentLogger } from '../util/logger';
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
   * Calls the handler of `event`, if there is one, with the event's payload (its keyword
   * arguments) and `context` beside its positional arguments. A handler that throws is reported on
   * `errors$` and the log, and the caller goes on.
   */
  handle(event: GameEvent, context: Readonly<Record<string, unknown>> = {}): void {
    const handler = this.handlers.get(event.type) as
      ((payload: object, context: EventArgs) => unknown) | undefined;
    if (handler === undefined) return;
    try {
      handler(event.kwargs, { ...context, args: event.args });
    } catch (error) {
      this.logger.error(`The ${event.type} handler threw; the ${this.who} goes on.`, error);
      this.errors.next({ type: event.type, error });
    }
  }
}

/**
 * What every handler's context holds: the event's positional arguments (PyGaSe's `handler_args`).
 *
 * @category Events
 */
export interface EventArgs {
  readonly args: readonly unknown[];
}

/**
 * Wraps a handler written as PyGaSe's are — the event's positional arguments, then one object of
 * its keyword arguments merged with the context (`gameState`, `dt`, `clientAddress`) — into the
 * `(payload, context)` form rxgase calls. An event whose keyword argument has the name of a context
 * key cannot be given to such a handler without losing one of them: it is refused with an
 * `InvalidArgumentError`, which the receiver reports on its `errors$` and logs.
 *
 * ## Example
 * ```ts
 * machine.registerEventHandler(
 *   'MOVE',
 *   pygaseHandler((name: string, x: number, { gameState }: HandlerContext<Arena>) => ({
 *     players: { [name]: { x: Math.min(x, gameState.width) } },
 *   })),
 * );
 * ```
 *
 * @param handler Called as PyGaSe calls it: `handler(...args, { ...kwargs, ...context })`.
 * @category Events
 */
// The arguments are the sender's, typed by the handler's author as in PyGaSe.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function pygaseHandler<R>(handler: (...args: any[]) => R): PygaseHandler<R> {
  if (typeof handler !== 'function') {
    throw new InvalidArgumentError(`a handler must be a function, got ${typeof handler}`);
  }
  return (payload, { args, ...context }) => {
    const clash = Object.keys(context).find((key) => Object.hasOwn(payload, key));
    if (clash !== undefined) {
      throw new InvalidArgumentError(
        `the event carries a keyword argument named ${clash}, which a PyGaSe-style handler gets ` +
          `as context: rename it, or write the handler as (payload, context)`,
      );
    }
    return handler(...args, { ...payload, ...context });
  };
}

/**
 * A handler made by {@link pygaseHandler}: it fits wherever a `(payload, context)` handler does.
 *
 * @category Events
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fits any payload and context
export type PygaseHandler<R> = (payload: any, context: any) => R;
