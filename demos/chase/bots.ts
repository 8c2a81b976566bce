/**
 * Bots for the chase game, so one person can watch (or play against) a game: the chaser runs at
 * the nearest player, the others run from the chaser.
 *
 *   npm run demo:chase:bots -- --port 8080 --count 3
 */
import { hostAndPort } from '../args';
import { playBots } from './bot';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const { host, port } = hostAndPort(argv, { host: 'localhost', port: 8080 });
  const count = Number(argv[argv.indexOf('--count') + 1] ?? 3) || 3;
  const { bots, stop } = await playBots(port, host, count);
  console.log(`${bots.length} bots playing. Stop with Ctrl-C.`);
  process.once('SIGINT', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exitCode = 1;
});
