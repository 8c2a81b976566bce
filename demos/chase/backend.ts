/** The chase game's backend, for the terminal server, the web demo and the bench alike. */
import type { Observable } from 'rxjs';
import { Backend, addressKey, silentLogger } from '../../lib/index';
import type { Address, BackendOptions } from '../../lib/index';
import type { Chase, ChaseEvents } from './game';
import {
  FIELD,
  MAX_NAME_LENGTH,
  MAX_PLAYERS,
  fieldPosition,
  initialChase,
  join,
  leave,
  move,
  playerName,
  rename,
  timeStep,
} from './game';

/** How a chase backend runs, beside the backend's own options. Every field says its default. */
export interface ChaseOptions extends BackendOptions {
  /** Where a new player starts; default a random place on the field. */
  readonly spawn?: () => [number, number];
  /** The most players on the board; default {@link MAX_PLAYERS}. */
  readonly maxPlayers?: number;
}

const randomPlace = (): [number, number] => [
  Math.random() * FIELD.width,
  Math.random() * FIELD.height,
];

/**
 * A chase backend. JOIN adds the sender's player at a random place and tells its client the id
 * with PLAYER_CREATED (a second JOIN renames it); MOVE moves the sender's player; LEAVE, which the
 * server pushes itself when a client disconnects or times out, removes it.
 *
 * What clients send is checked here, at the boundary: a name must be one {@link playerName}
 * takes, a position two finite numbers (clamped to the field); anything else is ignored. Clients
 * never name a player: the server maps each client's address to its player, beside the state
 * (clients see ids, never each other's addresses). The map changes only in the game loop's
 * handlers, so it and the state change in the same order.
 */
export function chaseBackend(options: ChaseOptions = {}): Backend<Chase, ChaseEvents> {
  const { spawn = randomPlace, maxPlayers = MAX_PLAYERS, ...backendOptions } = options;
  const logger = options.logger ?? silentLogger;
  /** Each client's player id, by `addressKey` of the client's address. */
  const playerOf = new Map<string, string>();
  let nextId = 0;

  const backend: Backend<Chase, ChaseEvents> = new Backend<Chase, ChaseEvents>(
    initialChase(),
    timeStep,
    {
      JOIN: (payload, { gameState, clientAddress }) => {
        if (clientAddress === undefined) return undefined;
        const key = addressKey(clientAddress);
        const name = playerName(payload.name);
        if (name === undefined) {
          return refuse(clientAddress, `a name is 1 to ${MAX_NAME_LENGTH} printable characters`);
        }
        const id = playerOf.get(key);
        if (id !== undefined) {
          tell(clientAddress, id);
          return rename(id, name);
        }
        if (playerOf.size >= maxPlayers) return refuse(clientAddress, 'the game is full');
        const created = String(nextId++);
        playerOf.set(key, created);
        logger.info(`${name} joined as player ${created}.`);
        tell(clientAddress, created);
        return join(gameState, created, name, spawn());
      },
      MOVE: (payload, { clientAddress }) => {
        const id = playerFor(clientAddress);
        const position = fieldPosition(payload.position);
        return id === undefined || position === undefined ? undefined : move(id, position);
      },
      LEAVE: (_payload, { gameState, clientAddress }) => {
        const id = playerFor(clientAddress);
        if (id === undefined || clientAddress === undefined) return undefined;
        playerOf.delete(addressKey(clientAddress));
        logger.info(`${gameState.players[id]?.name ?? 'A player'} (player ${id}) left.`);
        return leave(id);
      },
    },
    backendOptions,
  );

  // Through the game loop, not straight into the store, so that the state stays the loop's alone.
  backend.server.disconnected$.subscribe(({ client }) =>
    backend.gameStateMachine.pushEvent({ type: 'LEAVE', args: [], kwargs: {} }, client),
  );

  function playerFor(clientAddress: Address | undefined): string | undefined {
    return clientAddress === undefined ? undefined : playerOf.get(addressKey(clientAddress));
  }

  function tell(client: Address, id: string): void {
    answer(client, () =>
      backend.server.dispatchEvent('PLAYER_CREATED', { id }, { targetClient: client, retries: 5 }),
    );
  }

  function refuse(client: Address, reason: string): undefined {
    logger.warn(`A JOIN from ${addressKey(client)} was refused: ${reason}.`);
    answer(client, () =>
      backend.server.dispatchEvent(
        'JOIN_REFUSED',
        { reason },
        { targetClient: client, retries: 5 },
      ),
    );
    return undefined;
  }

  /**
   * Sends a client its answer. One that left before its JOIN was handled cannot be sent any, and
   * must not make the handler throw: its player would then be in the map but not on the board.
   * (Its LEAVE is queued behind the JOIN, and removes both.)
   */
  function answer(client: Address, send: () => Observable<unknown>): void {
    if (!backend.server.connections.has(addressKey(client))) return;
    send().subscribe();
  }

  return backend;
}
