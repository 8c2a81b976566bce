import type { SchedulerLike } from 'rxjs';
import type { Transport } from '../transport/datagram';
import type { Logger } from '../util/logger';
import type { RoomOptions } from './roomDefinition';

/** How long a seat given out waits for its client, unless the options say. */
export const DEFAULT_RESERVATION_MS = 15_000;

/** The most rooms a room server holds at once, unless the options say. */
export const DEFAULT_MAX_ROOMS = 1000;

/**
 * What a room server is made of. Every field is optional and says its default.
 *
 * @category Rooms
 */
export interface RoomServerOptions {
  /** Where every room's game loop and connections run; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Default silent. */
  readonly logger?: Logger;
  /** Opens the socket every room shares; default UDP (`bindUdp`). */
  readonly bind?: (port: number, hostname: string) => Promise<Transport>;
  /**
   * The room for clients that name none: PyGaSe clients, which know no rooms, and rxgase clients
   * that `connect` instead of `join`. Made when the server runs and never disposed; its id
   * defaults to `port-<port>`. Default none: such clients are refused (`no such room`).
   */
  readonly defaultRoom?: {
    readonly type: string;
    readonly options?: RoomOptions;
    readonly roomId?: string;
  };
  /** How long a seat given out waits for its client, in ms; default 15,000. */
  readonly reservationMs?: number;
  /** The host clients are told to reach this server at; default the one it listens on. */
  readonly publicHost?: string;
  /**
   * The most rooms at once (each runs a game loop); default 1,000 (`DEFAULT_MAX_ROOMS`). Past it,
   * `create` and a `joinOrCreate` that finds no seat throw `NoSuchRoomError`: an open matchmaker
   * cannot be made to fill the process with empty rooms.
   */
  readonly maxRooms?: number;
  /**
   * Connect tokens: seats are given as tokens signed with `secret` (16 bytes or more, shared with
   * the matchmaker), for one client, room and server, expiring after `ttlMs` (default 10,000),
   * each taken once. With `required` (the default once a secret is set), a client without a
   * valid token is refused (`invalid token`), PyGaSe clients too: no stranger takes a place.
   * Default none: any client may join any room it names, as on a LAN.
   */
  readonly tokens?: {
    readonly secret: string | Uint8Array;
    readonly required?: boolean;
    readonly ttlMs?: number;
  };
}

/**
 * What a room server counts.
 *
 * @category Rooms
 */
export interface RoomServerStats {
  /** Rooms now. */
  readonly rooms: number;
  /** Clients in a room or on their way in. */
  readonly routes: number;
  /** Connect requests refused: no such room, no default room, another version, a bad token. */
  readonly refused: number;
  /** Of those, the ones whose token was forged, expired, spent, for another server, or missing. */
  readonly invalidTokens: number;
  /** Datagrams from an address in no room, that do not ask to join one: dropped. */
  readonly unroutable: number;
}
