/**
 * The chase game in a terminal: arrow keys (or h j k l) to move, q to quit. You are @, the chaser
 * is X, the others are o. On a field larger than the screen (the big world) the screen follows you,
 * and shows only the players the server lets you see. The last line says how many bytes a second
 * come in.
 *
 *   npm run demo:chase:client -- --port 8080 --name ann
 */
import { EMPTY, combineLatest, interval, startWith } from 'rxjs';
import { portFlag, runDemo } from '../args';
import { cameraAt } from './camera';
import type { Chase } from './game';
import { FIELD } from './game';
import { bytesInPerSecond, formatRate, joinGame } from './player';

const COLUMNS = 64;
const ROWS = 21;
/** Field units a character stands for, across and down: PyGaSe's whole field fills the screen. */
const CELL = { width: FIELD.width / COLUMNS, height: FIELD.height / ROWS };
const SCREEN = { width: COLUMNS * CELL.width, height: ROWS * CELL.height };
const STEP = 10;
/** The most names listed under the field; a big world lists how many more it shows. */
const NAMES = 8;

/** The screen: the part of the field around us, what the server let us see of it, our stats. */
function render(state: Chase, id: string, rate: number | undefined): string {
  const grid = Array.from({ length: ROWS }, () => Array.from({ length: COLUMNS }, () => '.'));
  const field = state.field ?? FIELD;
  const me = state.players[id]?.position;
  const [left, top] = cameraAt(field, SCREEN, me);
  const players = Object.entries(state.players);
  for (const [playerId, player] of players) {
    const [x, y] = [player.position[0] - left, player.position[1] - top];
    if (x < 0 || y < 0 || x > SCREEN.width || y > SCREEN.height) continue;
    const line = grid[Math.min(ROWS - 1, Math.floor(y / CELL.height))];
    const column = Math.min(COLUMNS - 1, Math.floor(x / CELL.width));
    if (line !== undefined)
      line[column] = playerId === id ? '@' : playerId === state.chaser_id ? 'X' : 'o';
  }
  const names = players
    .slice(0, NAMES)
    .map(([playerId, p]) => `${playerId === state.chaser_id ? 'X' : ' '} ${p.name}`)
    .join('   ');
  const more = players.length > NAMES ? `   and ${players.length - NAMES} more` : '';
  const status = state.protection
    ? `protection: ${Math.max(0, state.countdown).toFixed(1)} s`
    : 'catch!';
  const where =
    me === undefined
      ? ''
      : `   at ${me.map(Math.round).join(', ')} of ${field.width} x ${field.height}`;
  const received = `received ${rate === undefined ? '...' : formatRate(rate)}`;
  return `\x1b[H\x1b[2J${grid.map((row) => row.join('')).join('\n')}\n${names}${more}\n${status}   ${received}${where}   (arrows to move, q to quit)\n`;
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
  const connection = me.client.connection;
  const screen = combineLatest([
    interval(100),
    (connection === undefined ? EMPTY : bytesInPerSecond(connection)).pipe(startWith(undefined)),
  ]).subscribe(([, rate]) => process.stdout.write(render(me.client.state, me.id, rate)));
  const quit = (): void => {
    screen.unsubscribe();
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
