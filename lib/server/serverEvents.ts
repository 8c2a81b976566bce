import type { EventArgs, HandlerError } from '../connection/eventHandlers';
import type { AnyEvents, AnyPayload, EventOf, HandlerPayload } from '../protocol/events';
import type { GameEvent } from '../protocol/packages';
import type { Address } from '../transport/datagram';

/**
 * Where a server hands the events clients send, beside its own handlers and `events$`: the game
 * loop (a {@link GameStateMachine}).
 *
 * @category Server/Backend
 */
export interface EventWire {
  /** Takes an event a client sent, to handle in its own time (the game loop's next tick). */
  pushEvent(event: GameEvent, clientAddress: Address): void;
}

/**
 * An event a client sent, and who sent it.
 *
 * @typeParam M The events clients send, by type (a {@link GameEvents} map's `toServer`).
 * @category Server/Backend
 */
export interface ClientEvent<M extends object = AnyEvents['toServer']> {
  readonly event: EventOf<M>;
  readonly client: Address;
}

/**
 * What a server's `errors$` reports: a handler that threw (`type` the event's type), a game
 * state that could not be sent to `client` (`type` {@link GAME_STATE_ERROR}, the error a
 * `StateTooLargeError` with the sizes, or what the encoder threw), once per cause per client, or
 * what its transport reported (`type` `TRANSPORT_ERROR`).
 *
 * @category Server/Backend
 */
export interface ServerError extends HandlerError {
  /** The client the game state could not be sent to; absent for a handler's error. */
  readonly client?: Address;
}

/**
 * The `type` of a {@link ServerError} about the game state, not about an event's handler.
 *
 * @category Server/Backend
 */
export const GAME_STATE_ERROR = 'game state';

/**
 * What became of an event sent to one client.
 *
 * @category Server/Backend
 */
export type DispatchOutcome =
  | { readonly client: Address; readonly acked: true }
  | { readonly client: Address; readonly acked: false; readonly error: unknown };

/**
 * How an event is sent to clients.
 *
 * @category Server/Backend
 */
export interface ServerDispatchOptions {
  /** `'all'` (the default) or one client's address. */
  readonly targetClient?: 'all' | Address;
  /** How many times to re-send to a client whose package timed out; default 0. */
  readonly retries?: number;
}

/**
 * What a server handler gets beside the event's payload.
 *
 * @category Server/Backend
 */
export interface ServerHandlerContext extends EventArgs {
  /** The client that sent the event. */
  readonly clientAddress: Address;
}

/**
 * A server handler: called with the event's payload (its keyword arguments) and a
 * {@link ServerHandlerContext}. One written as PyGaSe's are fits once wrapped in
 * {@link pygaseHandler}.
 *
 * @typeParam P The payload.
 * @category Server/Backend
 */
export type ServerEventHandler<P = AnyPayload> = (
  payload: HandlerPayload<P>,
  context: ServerHandlerContext,
) => void;
