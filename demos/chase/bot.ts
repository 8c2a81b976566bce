/**
 * Bots over UDP, each a client of its own: they play on the state their client holds, so in a big
 * world they see what their view gives them. See botStep.ts for how they play.
 */
import { asyncScheduler, interval } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { botStep } from './botStep';
import type { Joined } from './player';
import { joinGame } from './player';

/** How far a bot moves in one step, ten steps a second. */
const STRIDE = 6;

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
  const headings = bots.map(() => Math.random() * 2 * Math.PI);
  const moving = interval(100, scheduler).subscribe(() => {
    bots.forEach((bot, i) => {
      const next = botStep(bot.client.state, bot.id, headings[i] ?? 0, STRIDE);
      if (next === undefined) return;
      headings[i] = next.heading;
      bot.move(next.position);
    });
  });
  return {
    bots,
    stop: async () => {
      moving.unsubscribe();
      await Promise.all(bots.map((bot) => bot.client.disconnect()));
    },
  };
}
