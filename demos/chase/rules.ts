/**
 * A chase game as a server runs it, whether one game on a `Backend` or one room of many: its
 * first state, its game loop's step with the server's bots, the handlers of the clients' events,
 * who each client's player is, and a view. What backend.ts and rooms.ts share.
 */
import type { Observable } from 'rxjs';
import { addressKey, silentLogger, withinRadius } from '../../lib/index';
import type { Address, Logger, StateChanges, TimeStep, View } from '../../lib/index';
import { botStep } from './botStep';
import type { Chase, Field, Player } from './game';
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

/** How a chase game runs. Every field says its default. */
export interface ChaseRules {
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
  /** Default silent. */
  readonly logger?: Logger;
}

/** What a chase game needs of the server it runs on: to tell a client something. */
export interface ChaseServer {
  readonly connections: ReadonlyMap<string, unknown>;
  dispatchEvent(
    type: 'PLAYER_CREATED' | 'JOIN_REFUSED',
    payload: { id: string } | { reason: string },
    options: { targetClient: Address; retries: number },
  ): Observable<unknown>;
}

/** A chase game's parts, for a `Backend` or a room to run. */
export interface ChaseGame {
  readonly initial: Chase;
  readonly timeStep: TimeStep<Chase>;
  /** JOIN and MOVE. */
  readonly handlers: {
    JOIN: (payload: { name?: unknown }, context: HandlerInput) => StateChanges<Chase> | undefined;
    MOVE: (
      payload: { position?: unknown; seq?: unknown },
      context: HandlerInput,
    ) => StateChanges<Chase> | undefined;
  };
  /** A client left: its player goes. */
  leave(gameState: Chase, client: Address | undefined): StateChanges<Chase> | undefined;
  /** A client whose link dropped came back from `client`: its player is its own again. */
  reconnect(previous: Address, client: Address | undefined): void;
  /** What each client sees, when the rules have a `viewRadius`. */
  readonly view: View<Chase> | undefined;
}

/** What a handler is given: the state and the sender. */
interface HandlerInput {
  readonly gameState: Chase;
  readonly clientAddress: Address | undefined;
}

/** How fast the server's bots walk, in field units a second: the UDP bots' pace. */
const BOT_SPEED = 60;

/**
 * A chase game. JOIN adds the sender's player at a random place and tells its client the id with
 * PLAYER_CREATED (a second JOIN renames it); MOVE moves the sender's player (a numbered one
 * only if it is newer than the last applied, which the player's `lastMove` shows for the client's
 * prediction); `leave` removes it.
 *
 * What clients send is checked here, at the boundary: a name must be one {@link playerName}
 * takes, a position two finite numbers (clamped to the field); anything else is ignored. Clients
 * never name a player: the game maps each client's address to its player, beside the state
 * (clients see ids, never each other's addresses). The map changes only in the game loop's
 * handlers, so it and the state change in the same order.
 *
 * @param server The server the game runs on, asked for when a client is to be told something.
 */
export function chaseGame(rules: ChaseRules, server: () => ChaseServer): ChaseGame {
  const {
    field = FIELD,
    random = Math.random,
    spawn = () => [random() * field.width, random() * field.height],
    maxPlayers = MAX_PLAYERS,
    bots = 0,
    viewRadius,
    logger = silentLogger,
  } = rules;
  /** Each client's player id, by `addressKey` of the client's address. */
  const playerOf = new Map<string, string>();
  /** The number of the last numbered MOVE applied, by player id. */
  const lastMoveOf = new Map<string, number>();
  const walks = botWalks(bots, field, random);
  let nextId = bots;

  const playerFor = (client: Address | undefined): string | undefined =>
    client === undefined ? undefined : playerOf.get(addressKey(client));

  /**
   * Sends a client its answer. One that left before its JOIN was handled cannot be sent any, and
   * must not make the handler throw: its player would then be in the map but not on the board.
   * (Its leaving is handled after the JOIN, and removes both.)
   */
  const answer = (client: Address, send: (to: ChaseServer) => Observable<unknown>): void => {
    const to = server();
    if (to.connections.has(addressKey(client))) send(to).subscribe();
  };
  const tell = (client: Address, id: string): void =>
    answer(client, (to) =>
      to.dispatchEvent('PLAYER_CREATED', { id }, { targetClient: client, retries: 5 }),
    );
  const refuse = (client: Address, reason: string): undefined => {
    logger.warn(`A JOIN from ${addressKey(client)} was refused: ${reason}.`);
    answer(client, (to) =>
      to.dispatchEvent('JOIN_REFUSED', { reason }, { targetClient: client, retries: 5 }),
    );
    return undefined;
  };

  return {
    initial: walks.initial,
    timeStep: (state, dt) => ({ ...timeStep(state, dt), ...walks.step(state, dt) }),
    handlers: {
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
        if (id === undefined || position === undefined) return undefined;
        if (payload.seq === undefined) return move(id, position);
        // A numbered MOVE: a bad number, or one not after the last applied (it came late), is
        // dropped. The last applied is kept here: a handler sees the state its tick started from.
        const seq = payload.seq;
        if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return undefined;
        if (seq <= (lastMoveOf.get(id) ?? 0)) return undefined;
        lastMoveOf.set(id, seq);
        return move(id, position, seq);
      },
    },
    leave: (gameState, client) => {
      const id = playerFor(client);
      if (id === undefined || client === undefined) return undefined;
      playerOf.delete(addressKey(client));
      lastMoveOf.delete(id);
      logger.info(`${gameState.players[id]?.name ?? 'A player'} (player ${id}) left.`);
      return leave(id);
    },
    reconnect: (previous, client) => {
      const id = playerOf.get(addressKey(previous));
      if (id === undefined || client === undefined) return;
      playerOf.delete(addressKey(previous));
      playerOf.set(addressKey(client), id);
      logger.info(`Player ${id} came back from ${addressKey(client)}.`);
    },
    view: viewRadius === undefined ? undefined : nearPlayers(viewRadius, playerOf),
  };
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
