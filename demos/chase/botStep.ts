/**
 * How a bot plays chase, wherever it runs (a UDP client, or the server itself): the chaser runs at
 * the nearest player it sees, the others run from the chaser when it comes near, and wander
 * otherwise. It reads only the state it is given, so a bot that sees a part of the world (a view)
 * plays on what it sees.
 */
import type { Chase } from './game';
import { FIELD, onField } from './game';

/** How far away a bot notices the chaser and runs. */
export const SIGHT = 150;
/** The chaser's stride is this much longer, so that it catches someone in the end. */
export const CHASER_STRIDE = 1.25;
/**
 * How far a wandering bot may turn in a step of one unit, in radians each way. A step of `stride`
 * turns up to `WANDER * sqrt(stride)`: then bots that step often and bots that step far wander
 * alike, their heading drifting about a radian every 300 units.
 */
const WANDER = 0.1;

/** Where a bot went, and where it heads: its next step starts from the heading. */
export interface BotMove {
  readonly position: [number, number];
  readonly heading: number;
}

/**
 * The step of `stride` the bot playing `id` takes from where it is, heading `heading` (radians),
 * or undefined if it is not on the board. A step is O(1) but the chaser's, which looks at every
 * player: one tick of a world of bots is O(players).
 *
 * @param random Numbers in [0, 1): seeded, the bot's walk replays.
 */
export function botStep(
  state: Chase,
  id: string,
  heading: number,
  stride: number,
  random: () => number = Math.random,
): BotMove | undefined {
  const me = state.players[id];
  if (me === undefined) return undefined;
  const [x, y] = me.position;
  const chaser = state.chaser_id === null ? undefined : state.players[state.chaser_id];
  let toward = heading + (random() - 0.5) * 2 * WANDER * Math.sqrt(stride);
  let length = stride;
  if (state.chaser_id === id) {
    const target = nearest(state, id, x, y);
    if (target !== undefined) toward = Math.atan2(target[1] - y, target[0] - x);
    length = stride * CHASER_STRIDE;
  } else if (
    chaser !== undefined &&
    Math.hypot(chaser.position[0] - x, chaser.position[1] - y) < SIGHT
  ) {
    toward = Math.atan2(y - chaser.position[1], x - chaser.position[0]);
  }
  const wanted: [number, number] = [x + length * Math.cos(toward), y + length * Math.sin(toward)];
  const position = onField(wanted, state.field ?? FIELD);
  // Turned back by an edge: the next steps leave it, rather than slide along it for ever.
  const blocked = position[0] !== wanted[0] || position[1] !== wanted[1];
  return { position, heading: blocked ? toward + Math.PI : toward };
}

/** Where the player nearest to `x`, `y` is, but `id`'s own. */
function nearest(state: Chase, id: string, x: number, y: number): [number, number] | undefined {
  let best: [number, number] | undefined;
  let bestDistance = Infinity;
  for (const [other, player] of Object.entries(state.players)) {
    if (other === id) continue;
    const distance = (player.position[0] - x) ** 2 + (player.position[1] - y) ** 2;
    if (distance < bestDistance) {
      best = player.position;
      bestDistance = distance;
    }
  }
  return best;
}
