/**
 * The chase game in a terminal: arrow keys (or h j k l) to move, q to quit. You are @, the chaser
 * is X, the others are o.
 *
 *   npm run demo:chase:client -- --port 8080 --name ann
 */
import { portFlag, runDemo } from '../args';
import type { Chase } from './game';
import { FIELD } from './game';
import { joinGame } from './player';

const COLUMNS = 64;
const ROWS = 21;
const STEP = 10;

function render(state: Chase, id: string): string {
  const grid = Array.from({ length: ROWS }, () => Array.from({ length: COLUMNS }, () => '.'));
  for (const [playerId, player] of Object.entries(state.players)) {
    const column = Math.min(COLUMNS - 1, Math.floor((player.position[0] / FIELD.width) * COLUMNS));
    const row = Math.min(ROWS - 1, Math.floor((player.position[1] / FIELD.height) * ROWS));
    const line = grid[row];
    if (line !== undefined)
      line[column] = playerId === id ? '@' : playerId === state.chaser_id ? 'X' : 'o';
  }
  const names = Object.entries(state.players)
    .map(([playerId, p]) => `${playerId === state.chaser_id ? 'X' : ' '} ${p.name}`)
    .join('   ');
  const status = state.protection
    ? `protection: ${Math.max(0, state.countdown).toFixed(1)} s`
    : 'catch!';
  return `\x1b[H\x1b[2J${grid.map((row) => row.join('')).join('\n')}\n${names}\n${status}   (arrows to move, q to quit)\n`;
}

const command = {
  usage: `Usage: npm run demo:chase:client -- [--port P] [--host H] [--name NAME]

  --port P      the chase server's UDP port (default 8080)
  --host H      the chase server's host (default localhost)
  --name NAME   the name the others see (default player)`,
  flags: {
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: 'localhost' },
    name: { type: 'string', default: 'player' },
  },
} as const;

runDemo(command, async ({ values }) => {
  const port = portFlag('--port', values.port);
  const me = await joinGame(port, values.host, values.name);
  const screen = setInterval(() => process.stdout.write(render(me.client.state, me.id)), 100);
  const quit = (): void => {
    clearInterval(screen);
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    process.stdin.pause();
    void me.client.disconnect();
  };
  if (process.stdin.isTTY) process.stdin.setRawMode(true);
  process.stdin.on('data', (key: Buffer) => {
    const code = key.toString();
    const position = me.client.state.players[me.id]?.position;
    if (code === 'q' || code === '\x03') return quit();
    if (position === undefined) return;
    const moves: Record<string, [number, number]> = {
      '\x1b[A': [0, -STEP],
      k: [0, -STEP],
      '\x1b[B': [0, STEP],
      j: [0, STEP],
      '\x1b[C': [STEP, 0],
      l: [STEP, 0],
      '\x1b[D': [-STEP, 0],
      h: [-STEP, 0],
    };
    const move = moves[code];
    if (move !== undefined) me.move([position[0] + move[0], position[1] + move[1]]);
  });
});
