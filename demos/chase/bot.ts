/**
 * How a bot plays chase: the chaser runs at the nearest player, the others run from the chaser.
 */
import { asyncScheduler, interval } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import type { Chase } from './game';
import { FIELD } from './game';
import type { Joined } from './player';
import { joinGame } from './player';

const SPEED = 6;

/** Where the bot playing `id` goes next, or nowhere. */
export function botStep(state: Chase, id: string): [number, number] | undefined {
  const me = state.players[id];
  if (me === undefined) return undefined;
  const [x, y] = me.position;
  const others = Object.entries(state.players).filter(([other]) => other !== id);
  if (others.length === 0) return undefined;
  const distance = ([, p]: [string, { position: [number, number] }]): number =>
    (p.position[0] - x) ** 2 + (p.position[1] - y) ** 2;
  const target =
    state.chaser_id === id
      ? others.sort((a, b) => distance(a) - distance(b))[0]?.[1].position
      : state.players[state.chaser_id ?? '']?.position;
  if (target === undefined) return undefined;
  const toward = state.chaser_id === id ? 1 : -1;
  const dx = target[0] - x;
  const dy = target[1] - y;
  const length = Math.hypot(dx, dy) || 1;
  const jitter = (): number => (Math.random() - 0.5) * SPEED;
  return [
    Math.min(Math.max(x + (toward * SPEED * dx) / length + jitter(), 0), FIELD.width),
    Math.min(Math.max(y + (toward * SPEED * dy) / length + jitter(), 0), FIELD.height),
  ];
}

/** Bots that joined a game and move ten times a second until stopped. */
export interface Bots {
  readonly bots: readonly Joined[];
  /** Stops moving and disconnects every bot. */
  stop(): Promise<void>;
}

/** Joins `count` bots, named bot-1, bot-2, ..., to the game at `host`:`port` over UDP. */
export async function playBots(
  port: number,
  host: string,
  count: number,
  scheduler: SchedulerLike = asyncScheduler,
): Promise<Bots> {
  const bots = await Promise.all(
    Array.from({ length: count }, (_, i) => joinGame(port, host, `bot-${i + 1}`)),
  );
  const moving = interval(100, scheduler).subscribe(() => {
    for (const bot of bots) {
      const next = botStep(bot.client.state, bot.id);
      if (next !== undefined) bot.move(next);
    }
  });
  return {
    bots,
    stop: async () => {
      moving.unsubscribe();
      await Promise.all(bots.map((bot) => bot.client.disconnect()));
    },
  };
}
