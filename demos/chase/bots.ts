/**
 * Bots for the chase game, so one person can watch (or play against) a game: the chaser runs at
 * the nearest player, the others run from the chaser.
 *
 *   npm run demo:chase:bots -- --port 8080 --count 3
 */
import { hostAndPort } from '../args';
import type { Chase } from './game';
import { FIELD } from './game';
import { joinGame } from './player';

const SPEED = 6;

function step(state: Chase, id: string): [number, number] | undefined {
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

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const { host, port } = hostAndPort(argv, { host: 'localhost', port: 8080 });
  const count = Number(argv[argv.indexOf('--count') + 1] ?? 3) || 3;
  const bots = await Promise.all(
    Array.from({ length: count }, (_, i) => joinGame(port, host, `bot-${i + 1}`)),
  );
  console.log(`${bots.length} bots playing. Stop with Ctrl-C.`);
  const timer = setInterval(() => {
    for (const bot of bots) {
      const next = step(bot.client.state, bot.id);
      if (next !== undefined) bot.move(next);
    }
  }, 100);
  process.once('SIGINT', () => {
    clearInterval(timer);
    void Promise.all(bots.map((bot) => bot.client.disconnect()));
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exitCode = 1;
});
