import type { RoomDefinition } from '../../lib/rooms/roomDefinition';
import type { GameState } from '../../lib/state/gameState';
import { createGameState } from '../../lib/state/gameState';
import { TO_DELETE } from '../../lib/state/toDelete';

export type ArenaRoom = GameState<{
  name: string;
  players: Record<string, { x: number }>;
  /** Who left, and why, in order. */
  left: string[];
}>;

/**
 * The rooms' specs' game: a player for each client that joins, gone when it leaves; MOVE moves
 * the sender's player. Its options may name it.
 */
export const arenaRoom: RoomDefinition<ArenaRoom> = {
  initialState: (options) =>
    createGameState({ name: String(options.name ?? 'arena'), players: {}, left: [] }) as ArenaRoom,
  timeStep: () => ({}),
  eventHandlers: {
    MOVE: ({ x }, { clientAddress }) =>
      clientAddress && typeof x === 'number'
        ? { players: { [`${clientAddress.host}:${clientAddress.port}`]: { x } } }
        : undefined,
  },
  onJoin: ({ clientKey }) => ({ players: { [clientKey]: { x: 0 } } }),
  onLeave: ({ clientKey, gameState, reason }) => ({
    players: { [clientKey]: TO_DELETE },
    left: [...gameState.left, `${clientKey} ${reason}`],
  }),
  metadata: (options) => ({ name: options.name ?? 'arena' }),
};
