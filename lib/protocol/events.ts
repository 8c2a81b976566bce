import type { GameEvent } from './packages';

/**
 * The events of a game, declared once and shared by server and client code: for each direction,
 * the event types and the payload each carries. A payload is an object: on the wire it is the
 * event's keyword arguments (PyGaSe's `handler_kwargs`); an event with nothing to carry has
 * {@link NoPayload}, a direction without events {@link NoEvents}.
 *
 * Types are a contract between your server and your clients, not a check of what arrives: a
 * PyGaSe peer or a hostile one may send anything, so a handler on a public server still checks
 * the values it uses.
 *
 * ## Example
 * ```ts
 * interface ChaseEvents {
 *   toServer: { JOIN: { name: string }; MOVE: { dx: number; dy: number }; LEAVE: NoPayload };
 *   toClient: { CAUGHT: { by: string } };
 * }
 * const client = new Client<ChaseState, ChaseEvents>();
 * client.dispatchEvent('MOVE', { dx: 1, dy: 0 }); // 'MOVEE' or { dx: '1' } do not compile
 * ```
 *
 * @category Events
 */
export interface GameEvents {
  /** The events clients send to the server, by type: each its payload. */
  readonly toServer: object;
  /** The events the server sends to clients, by type: each its payload. */
  readonly toClient: object;
}

/**
 * Events left untyped: any type, any payload. The default wherever a {@link GameEvents} type
 * can be given, so JavaScript and PyGaSe-style code work as they are.
 *
 * @category Events
 */
export interface AnyEvents extends GameEvents {
  readonly toServer: Record<string, AnyPayload>;
  readonly toClient: Record<string, AnyPayload>;
}

/**
 * The payload of an untyped event: an object of the sender's values. An object, not `any`, so that
 * a handler still written for positional arguments (`(name: string) => …`) is a compile error
 * rather than a handler called with the wrong thing.
 *
 * @category Events
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the values are the sender's
export type AnyPayload = Readonly<Record<string, any>>;

/**
 * The payload of an event that carries nothing (`{}`, which lint rules refuse to see written).
 *
 * @category Events
 */
export type NoPayload = Record<string, never>;

/**
 * The events of a direction that has none: `toClient: NoEvents` for a server that sends none.
 *
 * @category Events
 */
export type NoEvents = Record<never, never>;

/**
 * The event types of one direction of a {@link GameEvents} map.
 *
 * @category Events
 */
export type EventType<M extends object> = keyof M & string;

/**
 * Any event of one direction of a {@link GameEvents} map, as it arrives: a union discriminated
 * by `type`, whose `kwargs` is that type's payload.
 *
 * @category Events
 */
export type EventOf<M extends object> = {
  [K in EventType<M>]: GameEvent<K, M[K]>;
}[EventType<M>];

/**
 * How an event is sent, after its type: its payload (optional when the payload type has no
 * required key), then the options. A payload type that is not an object (an array, bytes, a
 * number) cannot be sent: it has no form as keyword arguments.
 *
 * @typeParam P The payload type.
 * @typeParam O The options' type.
 * @category Events
 */
export type PayloadAndOptions<P, O> = 0 extends 1 & P // P is any: untyped
  ? [payload?: P, options?: O]
  : [P] extends [
        | readonly unknown[]
        | Uint8Array
        | string
        | number
        | boolean
        | bigint
        | symbol
        | null
        | undefined,
      ]
    ? never
    : Record<never, never> extends P
      ? [payload?: P, options?: O]
      : [payload: P, options?: O];

/**
 * A handler's view of a payload. An untyped payload (an index signature) cannot hold the names of
 * the context, so a handler not yet moved to `(payload, context)` that reads `gameState`, `dt` or
 * `clientAddress` from its payload is a compile error, not a read of what the sender put there.
 *
 * @category Events
 */
export type HandlerPayload<P> = string extends keyof P
  ? P & { readonly gameState?: never; readonly dt?: never; readonly clientAddress?: never }
  : P;
