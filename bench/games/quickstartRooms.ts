/**
 * The quickstart game as a room type, for the cluster scenario: what `runCluster` loads in each
 * process. The same game the one-server scenario runs (`foo` grows by `bar` a second; PING events
 * are counted), in rooms of {@link ROOM_SIZE} players, so that a cluster spreads its rooms over
 * its processes.
 */
import { createGameState } from '../../lib/index';
import type { GameState, RoomServer } from '../../lib/index';

type Quickstart = GameState<{ foo: number; bar: number; pings: number }>;

/** Players a room takes: a match of a game of this kind. */
export const ROOM_SIZE = 50;

export default function defineRooms(rooms: RoomServer): void {
  rooms.define<Quickstart>('quickstart', {
    initialState: () => createGameState({ foo: 0.0, bar: 0.5, pings: 0 }) as Quickstart,
    timeStep: (state, dt) => ({ foo: state.foo + state.bar * dt }),
    eventHandlers: {
      PING: (_payload, { gameState }) => ({ pings: gameState.pings + 1 }),
    },
    maxClients: ROOM_SIZE,
    // Every client of the load comes from 127.0.0.1: no cap of an address's in the way.
    serverOptions: { maxClientsPerAddress: Infinity, rateLimit: false },
  });
}
