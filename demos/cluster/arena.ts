/**
 * The rooms of the cluster demo: an arena where each player's dot starts at 0 and MOVEs, and is
 * gone when its player leaves; eight players a room. What `npm run cluster -- --rooms` takes: a
 * module whose default export defines the room types on each process's room server.
 */
import { TO_DELETE, createGameState } from '../../lib/index';
import type { GameState, RoomServer } from '../../lib/index';

export type Arena = GameState<{ players: Record<string, { name: string; x: number }> }>;

export default function defineRooms(rooms: RoomServer): void {
  rooms.define<Arena>('arena', {
    initialState: () => createGameState({ players: {} }) as Arena,
    timeStep: () => ({}),
    eventHandlers: {
      MOVE: ({ x }, { clientAddress }) =>
        clientAddress && typeof x === 'number'
          ? { players: { [`${clientAddress.host}:${clientAddress.port}`]: { x } } }
          : undefined,
    },
    onJoin: ({ clientKey, clientId }) => ({
      players: { [clientKey]: { name: clientId ?? '?', x: 0 } },
    }),
    onLeave: ({ clientKey }) => ({ players: { [clientKey]: TO_DELETE } }),
    maxClients: 8,
  });
}
