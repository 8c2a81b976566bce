/**
 * Bots for the chase game, so one person can watch (or play against) a game: the chaser runs at
 * the nearest player, the others run from the chaser.
 *
 *   npm run demo:chase:bots -- --port 8080 --count 3
 */
import { countFlag, portFlag, runDemo } from '../args';
import { playBots } from './bot';

const command = {
  usage: `Usage: npm run demo:chase:bots -- [--port P] [--host H] [--count N]

  --port P    the chase server's UDP port (default 8080)
  --host H    the chase server's host (default localhost)
  --count N   how many bots play (default 3)`,
  flags: {
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: 'localhost' },
    count: { type: 'string', default: '3' },
  },
} as const;

runDemo(command, async ({ values }) => {
  const port = portFlag('--port', values.port);
  const count = countFlag('--count', values.count, 1);
  const host = values.host;
  const { bots, stop } = await playBots(port, host, count);
  console.log(`${bots.length} bots playing. Stop with Ctrl-C.`);
  process.once('SIGINT', () => void stop());
});
