/**
 * The chase game's rules, after PyGaSe's example game of tag: players move on a field, 640 x 420
 * unless the server says otherwise; one of them is the chaser; whoever the chaser touches becomes
 * the chaser, and then nobody can be caught for 5 seconds. The chaser scores a tag for each
 * player it catches.
 */
import type { GameState, NoPayload, StateChanges } from '../../lib/index';
// From the browser entry, so the web page can share the rules.
import { TO_DELETE, createGameState } from '../../lib/browser';

/** The size of a field, in the units of the positions. */
export interface Field {
  readonly width: number;
  readonly height: number;
}

/** PyGaSe's field, and the default one. */
export const FIELD: Field = { width: 640, height: 420 };
export const PROTECTION_SECONDS = 5;
/** How close the chaser must come, squared, as in PyGaSe's game. */
export const CATCH_DISTANCE_SQUARED = 15;
/** The longest name, in characters, once trimmed. */
export const MAX_NAME_LENGTH = 16;
/**
 * The most players on the board. The whole state must fit one 2048-byte package for a newcomer
 * to receive it: 16 players with the longest names (16 four-byte characters) take about 1700.
 */
export const MAX_PLAYERS = 16;

/** The chase rooms' type, as a room server defines it and clients join it (see rooms.ts). */
export const CHASE_ROOM = 'chase';

export interface Player {
  name: string;
  position: [number, number];
  /**
   * The number of the last of its MOVEs the server applied, for its client's prediction; absent
   * while its client has sent no numbered MOVE.
   */
  lastMove?: number;
  /** The score: how many players it caught; absent before its first. */
  tags?: number;
}

export type Chase = GameState<{
  /** In the state, so that every client, the terminal's and the browser's, draws the same field. */
  field: Field;
  players: Record<string, Player>;
  chaser_id: string | null;
  protection: boolean;
  countdown: number;
}>;

/**
 * The chase game's events. The server knows each client by its address, so no event names a
 * player: MOVE moves the sender's own, LEAVE removes it (the server also pushes LEAVE itself when
 * a client disconnects or times out).
 */
export interface ChaseEvents {
  toServer: {
    JOIN: { name: string };
    /** `seq`, when given, numbers the client's MOVEs from 1, for its prediction. */
    MOVE: { position: [number, number]; seq?: number };
    LEAVE: NoPayload;
  };
  toClient: {
    PLAYER_CREATED: { id: string };
    JOIN_REFUSED: { reason: string };
  };
}

export function initialChase(field: Field = FIELD): Chase {
  return createGameState({
    field: { width: field.width, height: field.height },
    players: {},
    chaser_id: null,
    protection: false,
    countdown: 0.0,
  }) as Chase;
}

/** One tick: the chase passed on if the chaser left, else the protection countdown, or a catch. */
export function timeStep(state: Chase, dt: number): StateChanges<Chase> {
  const chaser = state.chaser_id === null ? undefined : state.players[state.chaser_id];
  if (chaser === undefined) return passChase(state);
  if (state.protection) {
    const countdown = state.countdown - dt;
    return { countdown, protection: countdown >= 0 };
  }
  for (const [id, player] of Object.entries(state.players)) {
    if (id === state.chaser_id) continue;
    const dx = player.position[0] - chaser.position[0];
    const dy = player.position[1] - chaser.position[1];
    if (dx * dx + dy * dy < CATCH_DISTANCE_SQUARED) {
      // The chaser scores; the one caught chases.
      const chaserId = state.chaser_id as string;
      return {
        chaser_id: id,
        protection: true,
        countdown: PROTECTION_SECONDS,
        players: { [chaserId]: { tags: (chaser.tags ?? 0) + 1 } },
      };
    }
  }
  return {};
}

/**
 * With no chaser on the board, the player who has played longest (the lowest id) chases, under
 * protection so that whoever stands beside it is not caught at once; with nobody, nobody does.
 */
function passChase(state: Chase): StateChanges<Chase> {
  const [next] = Object.keys(state.players).sort((a, b) => Number(a) - Number(b));
  if (next === undefined) return state.chaser_id === null ? {} : { chaser_id: null };
  return { chaser_id: next, protection: true, countdown: PROTECTION_SECONDS };
}

/**
 * MOVE: the player is at `position`, taken from {@link fieldPosition}; with `seq`, the MOVE's
 * number, kept as the player's `lastMove`.
 */
export function move(id: string, position: [number, number], seq?: number): StateChanges<Chase> {
  return { players: { [id]: seq === undefined ? { position } : { position, lastMove: seq } } };
}

/**
 * JOIN: a new player with the id the server gave it, at `position`; the first to join becomes the
 * chaser. (PyGaSe's game numbers players by how many there are, which gives two players that join
 * in the same tick the same id.)
 */
export function join(
  state: Chase,
  id: string,
  name: string,
  position: [number, number],
): StateChanges<Chase> {
  return { players: { [id]: { name, position } }, chaser_id: state.chaser_id ?? id };
}

/** A player who joined again: the new name, the same place. */
export function rename(id: string, name: string): StateChanges<Chase> {
  return { players: { [id]: { name } } };
}

/** LEAVE: the player is off the board; if it chased, the next tick passes the chase on. */
export function leave(id: string): StateChanges<Chase> {
  return { players: { [id]: TO_DELETE } };
}

/** Letters, marks, digits, punctuation, symbols and spaces: no control or invisible characters. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]+$/u;

/**
 * The name a player asked for, as the game shows it: trimmed and in NFC, 1 to
 * {@link MAX_NAME_LENGTH} printable characters. Undefined for anything else (not a string, empty,
 * too long, or with control, format or line-breaking characters): such a name is refused, not cut,
 * so that a player sees the name it chose or none.
 */
export function playerName(value: unknown): string | undefined {
  return printableName(value, MAX_NAME_LENGTH);
}

/**
 * `value` as a name the game shows (a player's, a room's): trimmed and in NFC, 1 to `maxLength`
 * printable characters; else undefined.
 */
export function printableName(value: unknown, maxLength: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  // Checked before normalizing too, so that a huge string costs nothing.
  if (value.length > 4 * maxLength) return undefined;
  const name = value.normalize('NFC').trim();
  const length = [...name].length;
  if (length === 0 || length > maxLength || !PRINTABLE.test(name)) return undefined;
  return name;
}

/**
 * The place on `field` nearest to `value`, if it is two finite numbers; else undefined. The
 * payload's type is the clients' contract, not a check of what arrives.
 */
export function fieldPosition(value: unknown, field: Field = FIELD): [number, number] | undefined {
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [x, y] = value as unknown[];
  if (typeof x !== 'number' || typeof y !== 'number') return undefined;
  if (!Number.isFinite(x) || !Number.isFinite(y)) return undefined;
  return onField([x, y], field);
}

/** The place on `field` nearest to `[x, y]`. */
export function onField([x, y]: readonly [number, number], field: Field): [number, number] {
  return [Math.min(Math.max(x, 0), field.width), Math.min(Math.max(y, 0), field.height)];
}
