/**
 * The chase game in a browser page: a lobby that lists the rooms as the matchmaker does, to join
 * one, quick-play or make one; then canvas drawing of `state$` (through a window that follows the
 * player, on a field larger than the canvas), arrow keys to move, live connection stats with the
 * bytes received a second, and a way back to the lobby. Bundled for the browser by serve.ts, with
 * rxgase's browser build: the Client asks the matchmaker on the page's own address for seats, and
 * plays over a WebRTC data channel of the same server (a WebSocket where none opens, or as the
 * panel says); a link that drops comes back by itself, the player in its place.
 */
import {
  Subscription,
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
import { Client, ROOMS_ERROR } from '../../../lib/browser';
import type { RoomInfo } from '../../../lib/browser';
import type { Chase, ChaseEvents } from '../game';
import { CHASE_ROOM } from '../game';
import { checked, networkConditions } from './controls';
import { draw } from './draw';
import { plotLink } from './plots';
import { smooth } from './smooth';
import { pageLink } from './link';
import type { LinkChoice, PageLink } from './link';
import type { Joined } from '../player';
import { bytesInPerSecond, formatRate, playAs } from '../player';

declare global {
  interface Window {
    /** The player in this page, while in a room: for the console, and for the browser test. */
    chase?: Joined;
    /** The rooms the lobby shows now. */
    rooms?: readonly RoomInfo[];
    /** The state drawn last: interpolated and predicted as the toggles say. */
    drawn?: Chase;
  }
}

const STEP = 5;
const STATS_EVERY_MS = 500;
const MOVE_EVERY_MS = 40;
const KEYS: Readonly<Record<string, [number, number]>> = {
  ArrowUp: [0, -1],
  ArrowDown: [0, 1],
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
};

const element = <T extends HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found as T;
};
const lobby = element<HTMLElement>('lobby');
const game = element<HTMLElement>('game');
const roomsBody = element<HTMLTableElement>('rooms').tBodies[0] as HTMLTableSectionElement;
const quickButton = element<HTMLButtonElement>('quick');
const createForm = element<HTMLFormElement>('create');
const roomName = element<HTMLInputElement>('room-name');
const roomBots = element<HTMLSelectElement>('room-bots');
const roomTitle = element<HTMLElement>('room-title');
const leaveButton = element<HTMLButtonElement>('leave');
const nameInput = element<HTMLInputElement>('name');
const latencyInput = element<HTMLInputElement>('latency');
const jitterInput = element<HTMLInputElement>('jitter');
const lossInput = element<HTMLInputElement>('loss');
const interpolationToggle = element<HTMLInputElement>('interpolation');
const predictionToggle = element<HTMLInputElement>('prediction');
const transportSelect = element<HTMLSelectElement>('transport');
const dropButton = element<HTMLButtonElement>('drop');

const conditions$ = networkConditions(latencyInput, jitterInput, lossInput);

const canvas = element<HTMLCanvasElement>('field');
const statsView = element<HTMLElement>('stats');
const playersView = element<HTMLElement>('players');
const statusView = element<HTMLElement>('status');

function showStats(joined: Joined, rate: number | undefined): void {
  const connection = joined.client.connection;
  const status = joined.client.currentStatus;
  const via = link?.now() ?? 'opening';
  document.body.dataset.status = status;
  document.body.dataset.link = via;
  if (connection === undefined) {
    statsView.textContent = status;
    return;
  }
  const s = connection.stats;
  statsView.textContent = [
    `status      ${status}`,
    `link        ${via}`,
    `latency     ${connection.currentLatency.toFixed(1)} ms`,
    `packages    ${s.packagesIn} in, ${s.datagramsOut} out`,
    `bytes       ${s.bytesIn} in, ${s.bytesOut} out`,
    `received    ${rate === undefined ? '...' : formatRate(rate)}`,
    `acked       ${s.acked}, timed out ${s.timedOut}`,
    `resends     ${s.resends}`,
    `dropped     ${s.dropped + s.duplicates + s.stale}`,
  ].join('\n');
}

/** Plays in the room `joined` is in, until the subscription returned ends. */
function play(joined: Joined): Subscription {
  const playing = new Subscription();
  window.chase = joined;
  document.body.dataset.playerId = joined.id;
  const smoothed = smooth(joined, checked(interpolationToggle), checked(predictionToggle));
  playing.add(
    smoothed.drawn$.subscribe((state) => {
      window.drawn = state;
      draw({ canvas, players: playersView, status: statusView }, state, joined.id);
    }),
  );
  // The link's plots and stats, for each connection: a reconnection brings a new one.
  let watching = new Subscription();
  playing.add(() => watching.unsubscribe());
  playing.add(
    joined.client.status$.subscribe((status) => {
      const connection = joined.client.connection;
      if (status !== 'connected' || connection === undefined) return showStats(joined, undefined);
      watching.unsubscribe();
      watching = new Subscription();
      watching.add(
        plotLink(connection, {
          latency: element<HTMLCanvasElement>('plot-latency'),
          loss: element<HTMLCanvasElement>('plot-loss'),
          bytes: element<HTMLCanvasElement>('plot-bytes'),
        }),
      );
      // Shown twice a second, the rate over the last half second; the last stay when it closes.
      watching.add(
        bytesInPerSecond(connection, STATS_EVERY_MS)
          .pipe(startWith(undefined))
          .subscribe({
            next: (rate) => showStats(joined, rate),
            complete: () => showStats(joined, undefined),
          }),
      );
    }),
  );
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
  playing.add(
    interval(MOVE_EVERY_MS)
      .pipe(withLatestFrom(held$))
      .subscribe(([, held]) => {
        // From where the player is drawn: predicted, its own moves count at once.
        const position = smoothed.position();
        if (position === undefined || held.size === 0) return;
        let [x, y] = position;
        for (const key of held) {
          const [dx, dy] = KEYS[key] ?? [0, 0];
          x += dx * STEP;
          y += dy * STEP;
        }
        smoothed.moveTo([x, y]);
      }),
  );
  // The server closing the connection (it shut down, the room went) ends the game too, even
  // if it closed before this.
  playing.add(joined.client.disconnected$.subscribe(() => backToLobby('The connection closed.')));
  if (joined.client.connection === undefined) backToLobby('The connection closed.');
  return playing;
}

/** The matchmaker is this page's own server. */
const matchmaker = location.origin;
/** The game this page plays now, if it does. */
let playing: Subscription | undefined;
/** Its link. */
let link: PageLink | undefined;

/** The rooms, as the matchmaker lists them every second, each with a button to join it. */
function showRooms(rooms: readonly RoomInfo[]): void {
  window.rooms = rooms;
  roomsBody.replaceChildren(
    ...rooms.map((room) => {
      const row = document.createElement('tr');
      row.dataset.roomId = room.roomId;
      const join = document.createElement('button');
      join.type = 'button';
      join.textContent = 'Join';
      join.disabled = room.clients + room.reserved >= room.maxClients;
      join.addEventListener('click', () =>
        enter(String(room.metadata.name), (client) => client.join(room.roomId)),
      );
      const cells = [
        String(room.metadata.name ?? room.roomId),
        `${room.clients} / ${room.maxClients}`,
        String(room.metadata.bots ?? 0),
      ].map((text) => {
        const cell = document.createElement('td');
        cell.textContent = text;
        return cell;
      });
      const last = document.createElement('td');
      last.append(join);
      row.append(...cells, last);
      return row;
    }),
  );
}

/** Takes a seat with `take`, joins under the name given, and plays; the lobby hides meanwhile. */
function enter(title: string, take: (client: Client<Chase, ChaseEvents>) => Promise<void>): void {
  if (playing !== undefined) return;
  playing = new Subscription();
  lobby.hidden = true;
  statusView.textContent = 'Joining...';
  // A data channel or a WebSocket, as the panel says, behind the network the fields simulate.
  link = pageLink(() => transportSelect.value as LinkChoice, conditions$);
  const client = new Client<Chase, ChaseEvents>({ matchmaker, bind: link.bind });
  take(client)
    .then(() => playAs(client, nameInput.value.trim() || 'player'))
    .then(
      (joined) => {
        roomTitle.textContent = title;
        game.hidden = false;
        playing?.add(play(joined));
      },
      async (error: unknown) => {
        await client.leave();
        backToLobby(`Could not join: ${error instanceof Error ? error.message : error}`);
      },
    );
}

/** Leaves the room, if in one, and shows the lobby, saying `why`. */
function backToLobby(why: string): void {
  const joined = window.chase;
  window.chase = undefined;
  playing?.unsubscribe();
  playing = undefined;
  void joined?.client.leave();
  game.hidden = true;
  lobby.hidden = false;
  statusView.textContent = why;
}

const lister = new Client({ matchmaker });
/** What the lobby said of a listing that failed and is asked again, until one comes. */
let unlisted: string | undefined;
lister.rooms$(CHASE_ROOM).subscribe({
  next: (rooms) => {
    if (unlisted !== undefined && statusView.textContent === unlisted) statusView.textContent = '';
    unlisted = undefined;
    showRooms(rooms);
  },
  error: (error: unknown) => {
    statusView.textContent = `The lobby cannot list the rooms: ${String(error)}`;
  },
});
// A listing that failed (the matchmaker restarting, the network gone) is asked again each second:
// the lobby says meanwhile that its rooms may be stale (a game in play keeps its status line).
lister.errors$.pipe(filter(({ type }) => type === ROOMS_ERROR)).subscribe(({ error }) => {
  const why = error instanceof Error ? error.message : String(error);
  unlisted = `The lobby cannot reach the matchmaker (${why}); it asks again each second.`;
  if (!lobby.hidden) statusView.textContent = unlisted;
});
fromEvent(quickButton, 'click').subscribe(() =>
  enter('Quick play', (client) => client.joinOrCreate(CHASE_ROOM)),
);
fromEvent<SubmitEvent>(createForm, 'submit').subscribe((event) => {
  event.preventDefault();
  const name = roomName.value.trim() || 'My room';
  const bots = Number(roomBots.value);
  enter(name, (client) => client.create(CHASE_ROOM, { name, bots }));
});
fromEvent(leaveButton, 'click').subscribe(() => backToLobby('You left the room.'));
// The link dropped (or switched): the client comes back by itself, over the transport chosen now.
merge(fromEvent(dropButton, 'click'), fromEvent(transportSelect, 'change')).subscribe(() =>
  link?.drop(),
);
