import type { EventArgs } from '../connection/eventHandlers';
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
