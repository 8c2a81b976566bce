/**
 * The chase game in a terminal: arrow keys (or h j k l) to move, q to quit. You are @, the chaser
 * is X, the others are o.
 *
 *   npm run demo:chase:client -- --port 8080 --name ann
 */
import { hostAndPort } from '../args';
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

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const { host, port } = hostAndPort(argv, { host: 'localhost', port: 8080 });
  const name = argv[argv.indexOf('--name') + 1] ?? 'player';
  const me = await joinGame(port, host, argv.includes('--name') ? name : 'player');
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
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exitCode = 1;
});
