/** The chase game's backend, for the terminal server, the web demo and the bench alike. */
import type { Observable } from 'rxjs';
import { Backend, addressKey, silentLogger, withinRadius } from '../../lib/index';
import type { Address, BackendOptions, StateChanges, View } from '../../lib/index';
import { botStep } from './botStep';
import type { Chase, ChaseEvents, Field, Player } from './game';
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
  /** The most players that join from clients; default {@link MAX_PLAYERS}. Bots are not counted. */
  readonly maxPlayers?: number;
  /** The field; default {@link FIELD}, PyGaSe's 640 x 420. */
  readonly field?: Field;
  /**
   * How many bots the server plays itself, named npc-1, npc-2, ...: players in the state, on the
   * board from the start, moved every tick by {@link botStep}. Default 0.
   */
  readonly bots?: number;
  /**
   * How far each client sees around its own player: a client gets the players within this radius
   * (its own among them) and the rest of the state but the other players; before it joins, no
   * player. Default none: every client gets the whole state.
   */
  readonly viewRadius?: number;
  /** Numbers in [0, 1), for where players start and how bots walk; default `Math.random`. */
  readonly random?: () => number;
}

/**
 * The big world: 200 bots on a field 100 times PyGaSe's, each client seeing 400 around it (a bit
 * more than the browser's 640 x 420 window reaches from its center). The whole state would not
 * fit a package, so without the view nobody could even join.
 */
export const BIG_WORLD = {
  field: { width: 6400, height: 4200 },
  bots: 200,
  viewRadius: 400,
} as const satisfies ChaseOptions;

/** How fast the server's bots walk, in field units a second: the UDP bots' pace. */
const BOT_SPEED = 60;

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
  const {
    field = FIELD,
    random = Math.random,
    spawn = () => [random() * field.width, random() * field.height],
    maxPlayers = MAX_PLAYERS,
    bots = 0,
    viewRadius,
    ...backendOptions
  } = options;
  const logger = options.logger ?? silentLogger;
  /** Each client's player id, by `addressKey` of the client's address. */
  const playerOf = new Map<string, string>();
  const walks = botWalks(bots, field, random);
  let nextId = bots;

  const backend: Backend<Chase, ChaseEvents> = new Backend<Chase, ChaseEvents>(
    walks.initial,
    (state, dt) => ({ ...timeStep(state, dt), ...walks.step(state, dt) }),
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
        const position = fieldPosition(payload.position, field);
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
    viewRadius === undefined
      ? backendOptions
      : { ...backendOptions, view: nearPlayers(viewRadius, playerOf) },
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

/**
 * The players within `radius` of the client's own, and the rest of the state. The client's player
 * is found in `playerOf`, which is not the state; but a view is worked out once per state, so it
 * must not change its answer for a state later. It does not: a player's id is in the map exactly
 * while the player is on the board (both change in the same handler), and ids are never reused.
 */
function nearPlayers(radius: number, playerOf: ReadonlyMap<string, string>): View<Chase> {
  return withinRadius<Chase, 'players'>({
    entities: 'players',
    position: (player) => player.position,
    center: (state, client) => {
      const id = playerOf.get(client.key);
      return id === undefined ? undefined : state.players[id]?.position;
    },
    radius,
    others: ({ field, chaser_id, protection, countdown }) => ({
      field,
      chaser_id,
      protection,
      countdown,
    }),
  });
}

/** The server's bots: the state they start in, and their steps each tick. */
function botWalks(count: number, field: Field, random: () => number) {
  let initial = initialChase(field);
  const players: Record<string, Player> = {};
  const headings = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const id = String(i);
    players[id] = {
      name: `npc-${i + 1}`,
      position: [random() * field.width, random() * field.height],
    };
    headings.set(id, random() * 2 * Math.PI);
  }
  if (count > 0) initial = { ...initial, players, chaser_id: '0' };
  return {
    initial,
    step: (state: Chase, dt: number): StateChanges<Chase> => {
      if (count === 0) return {};
      const moved: Record<string, { position: [number, number] }> = {};
      for (const [id, heading] of headings) {
        const next = botStep(state, id, heading, BOT_SPEED * dt, random);
        if (next === undefined) continue;
        headings.set(id, next.heading);
        moved[id] = { position: next.position };
      }
      return { players: moved };
    },
  };
}
