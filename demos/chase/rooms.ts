/**
 * The chase game as a room type: each room a game of its own, created from the lobby with a name
 * and a number of bots the server plays in it. A client that leaves the room takes its player
 * with it (`onLeave`); one whose link drops keeps it while it comes back (`onReconnect`).
 */
import { InvalidArgumentError } from '../../lib/index';
import type { RoomDefinition, RoomOptions, RoomServer } from '../../lib/index';
import type { Chase, ChaseEvents } from './game';
import { CHASE_ROOM, MAX_PLAYERS, printableName } from './game';
import type { ChaseRules, ChaseServer } from './rules';
import { chaseGame } from './rules';

/** How long a player whose link dropped keeps its place on the board. */
export const CHASE_RECONNECT_GRACE_MS = 15_000;

/** The most bots a room may be created with. */
export const MAX_ROOM_BOTS = 8;

/** The longest room name, in characters. */
export const MAX_ROOM_NAME_LENGTH = 24;

/** What a chase room is created with, from the lobby or the matchmaker's HTTP endpoint. */
export interface ChaseRoomOptions {
  /** What the lobby calls the room; default "Chase". */
  readonly name?: string;
  /** How many bots the server plays in the room, 0 to {@link MAX_ROOM_BOTS}; default 0. */
  readonly bots?: number;
}

/**
 * Defines the `chase` room type on `rooms`. Each room has its own game; its options (see
 * {@link ChaseRoomOptions}) come from whoever creates it, so they are checked: a bad name or
 * number of bots refuses the room with an `InvalidArgumentError` (a 400 over HTTP).
 *
 * @param rules What every room shares: the field, a view radius, the logger. A room's own bots
 *   come from its options, on top of the rules' bots.
 */
export function defineChaseRooms(rooms: RoomServer, rules: ChaseRules = {}): RoomServer {
  return rooms.define<Chase, ChaseEvents>(CHASE_ROOM, (options) => {
    const { name, bots } = roomOptions(options);
    let server: ChaseServer | undefined;
    const game = chaseGame({ ...rules, bots: (rules.bots ?? 0) + bots }, () => {
      if (server === undefined) throw new Error('the chase room is not made yet');
      return server;
    });
    const maxPlayers = rules.maxPlayers ?? MAX_PLAYERS;
    const definition: RoomDefinition<Chase, ChaseEvents> = {
      initialState: () => game.initial,
      timeStep: game.timeStep,
      eventHandlers: game.handlers,
      onCreate: (room) => {
        server = room.server as unknown as ChaseServer;
      },
      onLeave: ({ gameState, clientAddress }) => game.leave(gameState, clientAddress),
      // A player whose link dropped stays on the board, where it was, until it is back.
      reconnectGraceMs: CHASE_RECONNECT_GRACE_MS,
      onReconnect: ({ previousAddress, clientAddress }) =>
        void game.reconnect(previousAddress, clientAddress),
      maxClients: maxPlayers,
      metadata: () => ({ name, bots }),
      ...(game.view !== undefined && { view: game.view }),
    };
    return definition;
  });
}

/** A room's name and bots from the options it is created with. */
function roomOptions(options: RoomOptions): { name: string; bots: number } {
  const { name: asked = 'Chase', bots = 0 } = options as { name?: unknown; bots?: unknown };
  const name = printableName(asked, MAX_ROOM_NAME_LENGTH);
  if (name === undefined) {
    throw new InvalidArgumentError(
      `a room name is 1 to ${MAX_ROOM_NAME_LENGTH} printable characters`,
    );
  }
  if (typeof bots !== 'number' || !Number.isInteger(bots) || bots < 0 || bots > MAX_ROOM_BOTS) {
    throw new InvalidArgumentError(`a room has 0 to ${MAX_ROOM_BOTS} bots, not ${String(bots)}`);
  }
  return { name, bots };
}
