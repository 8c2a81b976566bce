import { isDeleteMarker } from './deleteMarker';
import type { Header } from './header';

/**
 * An event: a type that names its handler, and the positional and keyword arguments the handler
 * is called with. On the wire it is PyGaSe's msgpack map `{type, handler_args, handler_kwargs}`.
 *
 * @typeParam K The event's type, when it is known.
 * @typeParam P Its payload: the keyword arguments.
 * @category Protocol
 */
export interface GameEvent<K extends string = string, P = Readonly<Record<string, unknown>>> {
  /** Names the handler that handles the event. */
  readonly type: K;
  /** Positional arguments for the handler (PyGaSe's `handler_args`). */
  readonly args: readonly unknown[];
  /** Keyword arguments for the handler (PyGaSe's `handler_kwargs`): the event's payload. */
  readonly kwargs: P;
}

/**
 * A game-state update as it travels: a msgpack map of the changed keys plus `time_order`. A full
 * state also carries `game_status`. The state layer gives these maps their meaning.
 *
 * @category Protocol
 */
export interface UpdatePayload {
  readonly time_order: number;
  readonly [key: string]: unknown;
}

/**
 * A plain package: a header and events.
 *
 * @category Protocol
 */
export interface Package {
  readonly header: Header;
  readonly events: readonly GameEvent[];
}

/**
 * What a client sends: a package that also says which game-state `time_order` the client has.
 *
 * @category Protocol
 */
export interface ClientPackage extends Package {
  /** The `time_order` of the newest game state the client holds. */
  readonly timeOrder: number;
}

/**
 * What a server sends: a package that also carries a game-state update for the client. An rxgase
 * server's package may carry none (`update` undefined) while the update the client lacks is too
 * large for a package and travels as a block.
 *
 * @category Protocol
 */
export interface ServerPackage extends Package {
  readonly update?: UpdatePayload;
}

/**
 * Whether `value`, an update's `game_status`, is one the wire carries: none, 0 (paused),
 * 1 (active) or `TO_DELETE`. A PyGaSe client's receive loop dies on any other.
 *
 * @internal
 */
export function isWireGameStatus(value: unknown): boolean {
  return value === undefined || value === 0 || value === 1 || isDeleteMarker(value);
}
