/**
 * Load for the server scenarios, from a process of its own: many clients, each on a socket of its
 * own, speaking the PyGaSe client protocol at 40 Hz (or, for the floor, bare datagrams).
 *
 * Requests: `{ kind: 'bind', mode, target, clients }` binds the clients' sockets (and, against a
 * matchmaker, seats each in a room and does its handshake there); then
 * `{ kind: 'run', ...timing }` (see {@link LoadTiming}) runs them and answers with the counts of
 * the measurement window once it and the drain after it are over; the sockets close.
 */
import { performance } from 'node:perf_hooks';
import type { Reservation } from '../../lib/index';
import { answerRequests } from './child';
import type { LoadSockets } from './loadSockets';
import { openLoadSockets } from './loadSockets';
import { chase, eventLoad, quickstart } from './behaviours';
import type { EventLoad } from './behaviours';
import { yieldToServer } from './priority';
import type { LoadCounts, LoadProtocol } from './protocolClient';
import { ProtocolClient, SEND_INTERVAL_MS, noCounts } from './protocolClient';

/** What the clients do. */
export type LoadMode =
  /** PyGaSe clients in sync with the state, sending the events of a game of the user's. */
  | EventLoad
  /** Quickstart clients: in sync with the state, a PING event each second. */
  | 'quickstart'
  /** Chase players: JOIN, then a MOVE ten times a second. */
  | 'chase'
  /** Bare datagrams at 40 Hz, counted when they come back: against an echo server. */
  | 'raw'
  /** Bare datagrams as fast as an echo server returns them: its ceiling. */
  | 'flood';

/** When a load runs. Times are wall-clock ms, the one clock the processes share. */
export interface LoadTiming {
  /** When the first client starts. */
  readonly startAt: number;
  /** Clients start one after the other over this long. */
  readonly rampMs: number;
  /** Then everything runs this long before the counting starts. */
  readonly warmupMs: number;
  /** Packages sent and received in this window count. */
  readonly measureMs: number;
  /** After the window, the clients go on this long so that late acks still count. */
  readonly drainMs: number;
}

/** The counts of the window, and how far behind its own beat the load process fell. */
export interface LoadResult extends LoadCounts {
  /** The latest a package went out after it was due, in ms: the load's own limit. */
  readonly maxLateMs: number;
  /** For each event counted, how long its package took to be acked, in ms. */
  readonly eventAcksMs: readonly number[];
  /**
   * CPU time the load process and its socket helper used in the window, in ms: what the load
   * takes of the cores.
   */
  readonly cpuMs: number;
}

/** A client of any mode, as the beat drives it. */
interface Beating {
  nextSendAt: number;
  send(now: number): void;
}

const BARE_DATAGRAM = new Uint8Array(48);
/** How many datagrams each flooding socket keeps in flight. */
const FLOOD_WINDOW = 16;

const counts = noCounts();
const eventAcksMs: number[] = [];
let counting = false;
let clients: Beating[] = [];
/** The clients' sockets, once bound. */
let sockets: LoadSockets | undefined;
let mode: LoadMode = 'raw';
let port = 0;

/** How many rxgase clients do their handshake at once. */
const HANDSHAKES_AT_ONCE = 50;

/** Where the clients go: a server's port, or a matchmaker that seats them in rooms of a type. */
export type LoadTarget =
  { readonly port: number } | { readonly matchmaker: string; readonly roomType: string };

async function bind(body: {
  mode: LoadMode;
  target: LoadTarget;
  clients: number;
  protocol?: LoadProtocol;
}): Promise<void> {
  mode = body.mode;
  const target = body.target;
  port = 'port' in target ? target.port : 0;
  if (typeof mode === 'object' || mode === 'quickstart' || mode === 'chase') {
    const behaviour =
      typeof mode === 'object' ? eventLoad(mode) : mode === 'chase' ? chase : quickstart;
    const opened = await ProtocolClient.open(
      body.clients,
      port,
      behaviour,
      counts,
      () => counting,
      eventAcksMs,
    );
    sockets = opened.sockets;
    const bound = opened.clients;
    if ('matchmaker' in target) {
      for (let i = 0; i < bound.length; i += HANDSHAKES_AT_ONCE) {
        const batch = bound.slice(i, i + HANDSHAKES_AT_ONCE);
        await Promise.all(batch.map(async (c) => c.join(await seat(target))));
      }
    } else if (body.protocol === 'rxgase') {
      for (let i = 0; i < bound.length; i += HANDSHAKES_AT_ONCE) {
        await Promise.all(bound.slice(i, i + HANDSHAKES_AT_ONCE).map((c) => c.handshake()));
      }
    }
    clients = bound;
    return;
  }
  const bareClients: Bare[] = [];
  sockets = await openLoadSockets(body.clients, (index, datagram) =>
    bareClients[index]?.heard(datagram.length),
  );
  for (let index = 0; index < body.clients; index++) {
    bareClients.push(bare(sockets, index));
  }
  clients = bareClients;
}

/** A seat in a room of the target's type, from its matchmaker over HTTP. */
async function seat({
  matchmaker,
  roomType,
}: Extract<LoadTarget, { matchmaker: string }>): Promise<Reservation> {
  const response = await fetch(`${matchmaker}/matchmake/joinOrCreate/${roomType}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  const answer = (await response.json()) as Reservation | { error: string };
  if (!response.ok || 'error' in answer) {
    throw new Error(`the matchmaker refused a seat: ${JSON.stringify(answer)}`);
  }
  return answer;
}

/** A bare client, as the beat and its socket drive it. */
interface Bare extends Beating {
  /** A datagram of `bytes` came back. */
  heard(bytes: number): void;
}

/** A bare client: a datagram when due, counted when the echo brings it back. */
function bare(on: LoadSockets, index: number): Bare {
  const send = (): void => {
    if (counting) counts.sent++;
    on.send(index, BARE_DATAGRAM, port);
  };
  let heard = true;
  return {
    nextSendAt: Infinity,
    heard(bytes): void {
      heard = true;
      if (counting) {
        counts.received++;
        counts.bytesIn += bytes;
      }
      // Flooding: each datagram back is answered by the next.
      if (mode === 'flood') send();
    },
    send(): void {
      if (mode !== 'flood') return send();
      // A socket that heard nothing since the last top-up lost its datagrams: send a window again.
      if (!heard) for (let i = 0; i < FLOOD_WINDOW; i++) send();
      heard = false;
    },
  };
}

/**
 * Sends each client's packages when due, every millisecond, drift-free (each is due 25 ms after
 * the last was due; a flooding socket is topped up every 100 ms), and opens and closes the window.
 * The clients wait in slots by the millisecond they are due: each tick reaches for the clients due,
 * not every client to ask, as a scan did, whose cost grew with the load's clients and took a
 * tenth of a load process at 650 of them.
 */
function run(timing: LoadTiming): Promise<LoadResult> {
  const toLocal = (wallClock: number): number => performance.now() + (wallClock - Date.now());
  const start = toLocal(timing.startAt);
  const windowOpens = start + timing.rampMs + timing.warmupMs;
  const windowCloses = windowOpens + timing.measureMs;
  const ends = windowCloses + timing.drainMs;
  const interval = mode === 'flood' ? 100 : SEND_INTERVAL_MS;
  const slots = new Map<number, Beating[]>();
  const place = (client: Beating, ms: number): void => {
    const slot = slots.get(ms);
    if (slot === undefined) slots.set(ms, [client]);
    else slot.push(client);
  };
  clients.forEach((client, i) => {
    client.nextSendAt = mode === 'flood' ? start : start + (timing.rampMs * i) / clients.length;
    place(client, Math.floor(client.nextSendAt));
  });
  /** The last millisecond whose slot was emptied. */
  let done = Math.floor(start) - 1;
  let maxLateMs = 0;
  let cpuAtOpen: NodeJS.CpuUsage | undefined;
  let helperCpuAtOpen = 0;
  let cpuMs = 0;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      const wasCounting = counting;
      counting = now >= windowOpens && now < windowCloses;
      if (counting && !wasCounting) {
        cpuAtOpen = process.cpuUsage();
        helperCpuAtOpen = sockets?.helperCpuMs() ?? 0;
      }
      if (!counting && wasCounting) {
        const { user, system } = process.cpuUsage(cpuAtOpen);
        cpuMs = (user + system) / 1000 + (sockets?.helperCpuMs() ?? 0) - helperCpuAtOpen;
      }
      const upTo = Math.floor(now);
      for (let ms = done + 1; ms <= upTo; ms++) {
        const slot = slots.get(ms);
        if (slot === undefined) continue;
        slots.delete(ms);
        for (const client of slot) {
          // Due later in this millisecond: the next tick takes it.
          if (client.nextSendAt > now) {
            place(client, ms);
            continue;
          }
          if (counting) maxLateMs = Math.max(maxLateMs, now - client.nextSendAt);
          client.send(now);
          client.nextSendAt += interval;
          // A client a beat or more behind catches up a beat a tick, as it did before.
          place(client, Math.max(Math.floor(client.nextSendAt), upTo + 1));
        }
      }
      // This millisecond's slot may hold clients due later in it.
      done = upTo - 1;
      if (now < ends) return;
      clearInterval(timer);
      sockets?.close();
      sockets = undefined;
      clients = [];
      resolve({ ...counts, maxLateMs, eventAcksMs, cpuMs });
    }, 1);
  });
}

// The server under test has the first claim on the cores: the load takes what it leaves.
const priority = yieldToServer();
if (priority !== 'SCHED_IDLE') {
  process.stderr.write(`the load could not yield the CPU to the server fully: ${priority}\n`);
}

answerRequests(
  (
    body:
      | {
          kind: 'bind';
          mode: LoadMode;
          target: LoadTarget;
          clients: number;
          protocol?: LoadProtocol;
        }
      | ({ kind: 'run' } & LoadTiming),
  ) => (body.kind === 'bind' ? bind(body) : run(body)),
);
