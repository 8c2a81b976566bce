/**
 * The chase game in a browser page: canvas drawing of `state$`, arrow keys to move, live
 * connection stats. Bundled for the browser by serve.ts, with rxgase's browser build: the Client
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
import type { Chase } from '../game';
import { FIELD } from '../game';
import type { Joined } from '../player';
import { joinGame } from '../player';

declare global {
  interface Window {
    /** The player in this page, once joined: for the console, and for the browser test. */
    chase?: Joined;
  }
}

const STEP = 5;
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
  context.fillStyle = '#10141c';
  context.fillRect(0, 0, FIELD.width, FIELD.height);
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
  playersView.textContent = Object.entries(state.players)
    .map(([id, p]) => `${id === state.chaser_id ? 'X' : ' '} ${p.name}${id === me ? ' (you)' : ''}`)
    .join('\n');
  statusView.textContent = state.protection
    ? `Protection: ${Math.max(0, state.countdown).toFixed(1)} s`
    : state.chaser_id === me
      ? 'You are the chaser: catch someone!'
      : 'Run from the red one!';
}

function showStats(joined: Joined): void {
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
  interval(500)
    .pipe(startWith(0))
    .subscribe(() => showStats(joined));
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
