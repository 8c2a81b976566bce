/**
 * The chase game's rules, after PyGaSe's example game of tag: players move on a 640 x 420 field;
 * one of them is the chaser; whoever the chaser touches becomes the chaser, and then nobody can be
 * caught for 5 seconds.
 */
import type { GameState, StateChanges } from '../../lib/index';
// From the browser entry, so the web page can share the rules.
import { createGameState } from '../../lib/browser';

export const FIELD = { width: 640, height: 420 } as const;
export const PROTECTION_SECONDS = 5;
/** How close the chaser must come, squared, as in PyGaSe's game. */
export const CATCH_DISTANCE_SQUARED = 15;

export interface Player {
  name: string;
  position: [number, number];
}

export type Chase = GameState<{
  players: Record<string, Player>;
  chaser_id: string | null;
  protection: boolean;
  countdown: number;
}>;

export function initialChase(): Chase {
  return createGameState({
    players: {},
    chaser_id: null,
    protection: false,
    countdown: 0.0,
  }) as Chase;
}

/** One tick: the protection countdown, or a catch. */
export function timeStep(state: Chase, dt: number): StateChanges {
  if (state.chaser_id === null) return {};
  if (state.protection) {
    const countdown = state.countdown - dt;
    return { countdown, protection: countdown >= 0 };
  }
  const chaser = state.players[state.chaser_id];
  if (chaser === undefined) return {};
  for (const [id, player] of Object.entries(state.players)) {
    if (id === state.chaser_id) continue;
    const dx = player.position[0] - chaser.position[0];
    const dy = player.position[1] - chaser.position[1];
    if (dx * dx + dy * dy < CATCH_DISTANCE_SQUARED) {
      return { chaser_id: id, protection: true, countdown: PROTECTION_SECONDS };
    }
  }
  return {};
}

/** MOVE(player_id, new_position): the player is where it says, within the field. */
export function onMove(playerId: string, position: [number, number]): StateChanges {
  const x = Math.min(Math.max(position[0], 0), FIELD.width);
  const y = Math.min(Math.max(position[1], 0), FIELD.height);
  return { players: { [playerId]: { position: [x, y] } } };
}

/**
 * JOIN(player_name): a new player with the id the server gave it, at `position`; the first to
 * join becomes the chaser. (PyGaSe's game numbers players by how many there are, which gives two
 * players that join in the same tick the same id.)
 */
export function join(
  state: Chase,
  id: string,
  name: string,
  position: [number, number],
): StateChanges {
  return { players: { [id]: { name, position } }, chaser_id: state.chaser_id ?? id };
}
