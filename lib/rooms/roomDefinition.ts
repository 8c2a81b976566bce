import type { GameEventHandlers, TimeStep } from '../game/gameHandlers';
import type { AnyEvents, GameEvents } from '../protocol/events';
import type { CloseReason } from '../protocol/rxgasePackets';
import type { ServerOptions } from '../server/serverOptions';
import type { View, ViewClient } from '../server/views';
import type { GameState } from '../state/gameState';
import type { StateChanges } from '../state/stateChanges';
import type { RoomInfo, RoomOptions } from '../protocol/tickets';
import type { Address } from '../transport/datagram';
import type { Room } from './room';

/**
 * What a room's `onJoin` and `onLeave` are given: the state, and who joined or left.
 *
 * @category Rooms
 */
export interface RoomContext<S extends GameState<object> = GameState> {
  readonly gameState: S;
  /** The client, by its address. */
  readonly clientAddress: Address;
  /** The client's address as `host:port`: the key of the room server's connections. */
  readonly clientKey: string;
  /**
   * Who the player is, as the matchmaker's `auth` said and its connect token carries; undefined
   * for a client that joined without a token.
   */
  readonly clientId: string | undefined;
}

/**
 * A kind of room: how each room of it starts, plays and ends. Defined once on a `RoomServer`
 * with `define(type, definition)`; each room of the type has its own state, game loop, clients
 * and limits.
 *
 * @typeParam S The rooms' game state.
 * @typeParam E The events clients and rooms exchange.
 * @category Rooms
 */
export interface RoomDefinition<
  S extends GameState<object> = GameState,
  E extends GameEvents = AnyEvents,
> {
  /** The state a room starts with, from the options it was created with. */
  readonly initialState: (options: RoomOptions) => S;
  /** The game loop's step, as a `Backend`'s. */
  readonly timeStep: TimeStep<S>;
  /** The handlers of the events clients send, as a `Backend`'s. */
  readonly eventHandlers?: GameEventHandlers<S, E>;
  /**
   * A client joined (its handshake done): what changes, in the game loop's next tick. A player
   * added here is the game's own.
   */
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- game code may return nothing
  readonly onJoin?: (context: RoomContext<S>) => StateChanges<S> | void;
  /**
   * A client left (it disconnected, timed out or was kicked; `reason` says which): what
   * changes, in the next tick. Remove its player here, and it is gone for every client.
   */
  readonly onLeave?: (
    context: RoomContext<S> & { readonly reason: CloseReason },
    // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- game code may return nothing
  ) => StateChanges<S> | void;
  /**
   * A client's link dropped (it fell silent, its WebSocket closed; `reason` says which), and the
   * room holds its place for `reconnectGraceMs`: what changes, in the next tick (a player shown
   * as away, say). `onReconnect` follows if it comes back, else `onLeave`.
   */
  readonly onDrop?: (
    context: RoomContext<S> & { readonly reason: CloseReason },
    // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- game code may return nothing
  ) => StateChanges<S> | void;
  /**
   * A dropped client came back within `reconnectGraceMs`, the same client from a new address
   * (`clientKey`, `clientAddress`; it was at `previousKey`): what changes, in the next tick.
   * Move its player to its new key here if the game keys players by address.
   */
  readonly onReconnect?: (
    context: RoomContext<S> & {
      readonly previousKey: string;
      readonly previousAddress: Address;
    },
    // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- game code may return nothing
  ) => StateChanges<S> | void;
  /**
   * How long a client whose link dropped keeps its place in the room, in ms (Colyseus'
   * `allowReconnection`): it reconnects by itself (see the client's `reconnect` option) and is
   * the same client, with its `clientId`. Default 0: a dropped client leaves at once.
   */
  readonly reconnectGraceMs?: number;
  /**
   * The room is made and runs, before its first client: where a room type made by a function
   * (see {@link RoomType}) keeps its room, to reach its clients (`room.server.dispatchEvent`).
   */
  readonly onCreate?: (room: Room<S>) => void;
  /** The room is disposed: its last client left (after `disposeDelayMs`), or the server shut down. */
  readonly onDispose?: (room: RoomInfo) => void;
  /** What each client may see, as a `Server`'s `view`; default everything. */
  readonly view?: View<S>;
  /** Which clients share a view, as a `Server`'s `viewKey`. */
  readonly viewKey?: (client: ViewClient) => string;
  /** Clients a room takes at most; default 64. A full room is not joined. */
  readonly maxClients?: number;
  /** The game loop's interval in ms; default 25 (40 Hz). */
  readonly tickMs?: number;
  /** How long a room stays once its last client left, in ms; default 0: it goes at once. */
  readonly disposeDelayMs?: number;
  /** What a listing of rooms shows of a room, from its options; default none. */
  readonly metadata?: (options: RoomOptions) => Readonly<Record<string, unknown>>;
  /** The rest of each room's server's options (budgets, limits, legacy clients). */
  readonly serverOptions?: Omit<
    ServerOptions<S>,
    'bind' | 'scheduler' | 'logger' | 'view' | 'viewKey' | 'maxClients'
  >;
}

/**
 * A room type as `RoomServer.define` takes it: a definition every room of the type shares, or a
 * function that makes one for each room from the options it is created with. A function's
 * definition can keep what is the room's own and not the game state's (who each client is,
 * timers of its bots) in its closure.
 *
 * ## Example
 * ```ts no-run
 * rooms.define('arena', (options) => {
 *   const names = new Map<string, string>(); // this room's alone
 *   return {
 *     initialState: () => createGameState({ players: {} }),
 *     timeStep: () => ({}),
 *     onJoin: ({ clientKey, clientId }) => void names.set(clientKey, clientId ?? '?'),
 *   };
 * });
 * ```
 *
 * @category Rooms
 */
export type RoomType<S extends GameState<object> = GameState, E extends GameEvents = AnyEvents> =
  RoomDefinition<S, E> | ((options: RoomOptions) => RoomDefinition<S, E>);

export type { RoomInfo, RoomOptions } from '../protocol/tickets';
