/**
 * The chase game in a browser page: canvas drawing of `state$` (through a window that follows the
 * player, on a field larger than the canvas), arrow keys to move, live connection stats with the
 * bytes received a second. Bundled for the browser by serve.ts, with rxgase's browser build: the Client
 * talks to the server over the page's own WebSocket.
 */
import {
  animationFrameScheduler,
  auditTime,
  distinctUntilChanged,
  filter,
  fromEvent,
  interval,
  map,
  merge,
  scan,
  startWith,
  withLatestFrom,
} from 'rxjs';
import { cameraAt } from '../camera';
import type { Chase } from '../game';
import { FIELD } from '../game';
import type { Joined } from '../player';
import { bytesInPerSecond, formatRate, joinGame } from '../player';

declare global {
  interface Window {
    /** The player in this page, once joined: for the console, and for the browser test. */
    chase?: Joined;
  }
}

const STEP = 5;
/** Grid lines this far apart on the field, so that moving shows where the field is plain. */
const GRID = 100;
const STATS_EVERY_MS = 500;
const MOVE_EVERY_MS = 40;
const KEYS: Readonly<Record<string, [number, number]>> = {
  ArrowUp: [0, -1],
  ArrowDown: [0, 1],
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
};

const STATUS_NAMES = ['disconnected', 'connected', 'connecting'] as const;

const element = <T extends HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found as T;
};
const form = element<HTMLFormElement>('join');
const nameInput = element<HTMLInputElement>('name');
const canvas = element<HTMLCanvasElement>('field');
const statsView = element<HTMLElement>('stats');
const playersView = element<HTMLElement>('players');
const statusView = element<HTMLElement>('status');

function draw(state: Chase, me: string): void {
  const context = canvas.getContext('2d');
  if (context === null) return;
  const field = state.field ?? FIELD;
  const [left, top] = cameraAt(field, canvas, state.players[me]?.position);
  context.fillStyle = '#0a0d13';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.save();
  context.translate(-left, -top);
  context.fillStyle = '#10141c';
  context.fillRect(0, 0, field.width, field.height);
  if (field.width > canvas.width || field.height > canvas.height)
    drawGrid(context, field, left, top);
  for (const [id, player] of Object.entries(state.players)) {
    const [x, y] = player.position;
    context.beginPath();
    context.arc(x, y, id === me ? 9 : 7, 0, 2 * Math.PI);
    context.fillStyle = id === state.chaser_id ? '#f0504a' : id === me ? '#4ad07a' : '#8aa0c0';
    context.fill();
    context.fillStyle = '#e8ecf4';
    context.font = '12px sans-serif';
    context.fillText(player.name, x + 11, y + 4);
  }
  context.restore();
  const players = Object.entries(state.players);
  const mine = state.players[me]?.position;
  // In a big world the list is what the view gives: say so, and where on the field we are.
  const where =
    mine !== undefined && (field.width > canvas.width || field.height > canvas.height)
      ? [
          `${players.length} in sight, at ${mine.map(Math.round).join(', ')} of ${field.width} x ${field.height}`,
        ]
      : [];
  playersView.textContent = where
    .concat(
      players.map(
        ([id, p]) => `${id === state.chaser_id ? 'X' : ' '} ${p.name}${id === me ? ' (you)' : ''}`,
      ),
    )
    .join('\n');
  statusView.textContent = state.protection
    ? `Protection: ${Math.max(0, state.countdown).toFixed(1)} s`
    : state.chaser_id === me
      ? 'You are the chaser: catch someone!'
      : 'Run from the red one!';
}

/** The grid lines in the window at `left`, `top`. */
function drawGrid(
  context: CanvasRenderingContext2D,
  field: { width: number; height: number },
  left: number,
  top: number,
): void {
  context.strokeStyle = '#1c2433';
  context.beginPath();
  const right = Math.min(field.width, left + canvas.width);
  const bottom = Math.min(field.height, top + canvas.height);
  for (let x = Math.ceil(left / GRID) * GRID; x <= right; x += GRID) {
    context.moveTo(x, top);
    context.lineTo(x, bottom);
  }
  for (let y = Math.ceil(top / GRID) * GRID; y <= bottom; y += GRID) {
    context.moveTo(left, y);
    context.lineTo(right, y);
  }
  context.stroke();
}

function showStats(joined: Joined, rate: number | undefined): void {
  const connection = joined.client.connection;
  if (connection === undefined) {
    statsView.textContent = 'disconnected';
    return;
  }
  const s = connection.stats;
  statsView.textContent = [
    `status      ${STATUS_NAMES[connection.currentStatus]}`,
    `latency     ${connection.currentLatency.toFixed(1)} ms`,
    `packages    ${s.packagesIn} in, ${s.datagramsOut} out`,
    `bytes       ${s.bytesIn} in, ${s.bytesOut} out`,
    `received    ${rate === undefined ? '...' : formatRate(rate)}`,
    `acked       ${s.acked}, timed out ${s.timedOut}`,
    `resends     ${s.resends}`,
    `dropped     ${s.dropped + s.duplicates + s.stale}`,
  ].join('\n');
}

function play(joined: Joined): void {
  window.chase = joined;
  document.body.dataset.playerId = joined.id;
  joined.client.state$
    .pipe(auditTime(0, animationFrameScheduler))
    .subscribe((state) => draw(state, joined.id));
  const connection = joined.client.connection;
  if (connection !== undefined) {
    // Shown twice a second, the rate over the last half second; the last stats stay when it closes.
    bytesInPerSecond(connection, STATS_EVERY_MS)
      .pipe(startWith(undefined))
      .subscribe({
        next: (rate) => showStats(joined, rate),
        complete: () => showStats(joined, undefined),
      });
  }
  const held$ = merge(
    fromEvent<KeyboardEvent>(window, 'keydown').pipe(map((e) => ({ e, down: true }))),
    fromEvent<KeyboardEvent>(window, 'keyup').pipe(map((e) => ({ e, down: false }))),
  ).pipe(
    filter(({ e }) => e.key in KEYS),
    scan((held, { e, down }) => {
      e.preventDefault();
      const next = new Set(held);
      if (down) next.add(e.key);
      else next.delete(e.key);
      return next;
    }, new Set<string>()),
    startWith(new Set<string>()),
    distinctUntilChanged(),
  );
  interval(MOVE_EVERY_MS)
    .pipe(withLatestFrom(held$))
    .subscribe(([, held]) => {
      const position = joined.client.state.players[joined.id]?.position;
      if (position === undefined || held.size === 0) return;
      let [x, y] = position;
      for (const key of held) {
        const [dx, dy] = KEYS[key] ?? [0, 0];
        x += dx * STEP;
        y += dy * STEP;
      }
      joined.move([x, y]);
    });
}

fromEvent<SubmitEvent>(form, 'submit').subscribe((event) => {
  event.preventDefault();
  const name = nameInput.value.trim() || 'player';
  form.hidden = true;
  statusView.textContent = 'Joining...';
  // The server's WebSocket is on this page's own host and port.
  const port = Number(location.port || (location.protocol === 'https:' ? 443 : 80));
  joinGame(port, location.hostname, name).then(play, (error: unknown) => {
    form.hidden = false;
    statusView.textContent = `Could not join: ${error instanceof Error ? error.message : error}`;
  });
});
