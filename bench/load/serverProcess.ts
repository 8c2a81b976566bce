/**
 * The server side of the load scenarios, in a process of its own so that its CPU time is its own:
 * an rxgase Backend running a game (one of the bench's, or the user's own module), or a bare
 * `node:dgram` echo, the floor it is measured against.
 *
 * Requests: `{ kind: 'start', game }` answers `{ port }`; `{ kind: 'usage' }` answers the CPU time
 * used so far and what was handled; `{ kind: 'inProcess', ... }` measures a server's own code in
 * this process instead (see inProcessLoad.ts).
 */
import { createSocket } from 'node:dgram';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DEFAULT_RECEIVE_BUFFER_SIZE, bindUdp } from '../../lib/index';
import { chaseBackend } from '../../demos/chase/backend';
import { FIELD } from '../../demos/chase/game';
import { startBackendModule } from '../backendModule';
import { quickstartBackend } from '../games/quickstart';
import { answerRequests } from './child';
import { harnessOnly, serverInProcess } from './inProcessLoad';

/**
 * Which server runs: one of the bench's, or the one a module builds (its absolute path). `echo`
 * echoes on a `node:dgram` socket; `nativeEcho` on rxgase's native UDP socket.
 */
export type ServedGame =
  'quickstart' | 'chase' | 'echo' | 'nativeEcho' | { readonly module: string };

/** What the server process reports. */
export interface Usage {
  /** CPU time of the process so far, user and system, in ms. */
  readonly cpuMs: number;
  /** Connected clients (rxgase), or 0. */
  readonly connections: number;
  /** Datagrams received and sent (echo), or 0. */
  readonly datagrams: number;
  /** Datagrams the server's open connections sent so far (rxgase servers), if known. */
  readonly sent: number | undefined;
  /**
   * The most connections at once, since usage was last asked, that congestion avoidance held at
   * half the rate (20 packages a second instead of 40: once a latency past 250 ms, until good
   * conditions held long enough); undefined where it cannot tell.
   */
  readonly throttled: number | undefined;
  /**
   * How late the server's event loop ran its timers, p99, in ms, since the last usage asked: a
   * loop busy past a beat (25 ms) loses the beat. Null where unknown (a NaN sent as JSON).
   */
  readonly loopDelayP99Ms: number | null;
}

/** What an rxgase server's connections tell of it. */
function backendUsage(
  connections: ReadonlyMap<
    string,
    { readonly currentQuality: string; readonly stats: { readonly datagramsOut: number } }
  >,
): Omit<Usage, 'cpuMs' | 'loopDelayP99Ms'> {
  let sent = 0;
  for (const connection of connections.values()) sent += connection.stats.datagramsOut;
  return {
    connections: connections.size,
    datagrams: 0,
    sent,
    throttled: throttledOf(connections.values()),
  };
}

/** How many of `connections` congestion avoidance throttles now. */
export function throttledOf(connections: Iterable<{ readonly currentQuality: string }>): number {
  let throttled = 0;
  for (const connection of connections) {
    if (connection.currentQuality === 'bad') throttled++;
  }
  return throttled;
}

let usage: () => Omit<Usage, 'cpuMs' | 'loopDelayP99Ms'> = () => ({
  connections: 0,
  datagrams: 0,
  sent: undefined,
  throttled: undefined,
});

/** The connections throttled now, where the server can tell: what the sampler below looks at. */
let throttledNow: () => number | undefined = () => undefined;

/**
 * Reports on an rxgase server's connections from now on: `usage` when asked, and the count of
 * those throttled to the sampler, which reads nothing else of them (it runs in the measured
 * process every 100 ms).
 */
function watchConnections(connections: () => Parameters<typeof backendUsage>[0]): void {
  usage = () => backendUsage(connections());
  throttledNow = () => throttledOf(connections().values());
}

/** PyGaSe's quickstart game: `foo` grows by `bar` a second; PING events are counted. */
async function quickstart(): Promise<number> {
  const backend = quickstartBackend();
  const { port } = await backend.run('127.0.0.1', 0);
  // A getter: each read is the connections of that moment.
  watchConnections(() => backend.server.connections);
  return port;
}

/** The chase demo's server: JOIN gets a player and a PLAYER_CREATED event back, MOVE moves it. */
async function chase(): Promise<number> {
  let placed = 0;
  const backend = chaseBackend({
    // Places that do not depend on chance, so that runs compare.
    spawn: () => {
      placed++;
      return [(placed * 37) % FIELD.width, (placed * 53) % FIELD.height];
    },
    // The demo's cap is sized for the longest names; the load's players are all named "bot",
    // and 32 of them fit a package with room to spare.
    maxPlayers: 32,
  });
  const { port } = await backend.run('127.0.0.1', 0);
  // A getter: each read is the connections of that moment.
  watchConnections(() => backend.server.connections);
  return port;
}

/** Every datagram straight back to its sender: what a server without a protocol costs. */
async function echo(): Promise<number> {
  const socket = createSocket({ type: 'udp4', recvBufferSize: DEFAULT_RECEIVE_BUFFER_SIZE });
  let datagrams = 0;
  socket.on('message', (data, from) => {
    datagrams += 2;
    socket.send(data, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  usage = () => ({ connections: 0, datagrams, sent: undefined, throttled: undefined });
  return socket.address().port;
}

/**
 * The same echo on rxgase's native UDP socket: the datagrams of a batch read back in one
 * `sendmmsg` as the turn ends. What a server without a protocol costs on the socket rxgase's
 * servers take where they can.
 */
async function nativeEcho(): Promise<number> {
  const transport = await bindUdp({ socket: 'native' });
  let datagrams = 0;
  transport.datagrams$.subscribe((datagram) => {
    datagrams += 2;
    transport.send(datagram);
  });
  usage = () => ({ connections: 0, datagrams, sent: undefined, throttled: undefined });
  return transport.address.port;
}

/** The server a user's module builds (see backendModule.ts). */
async function userModule(path: string): Promise<number> {
  const { port, connections } = await startBackendModule(path);
  usage = () => ({
    connections: connections(),
    datagrams: 0,
    sent: undefined,
    throttled: undefined,
  });
  return port;
}

/** The event loop's lateness, measured from the start, reset each time usage is asked. */
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();

/** The most connections throttled at once since usage was last asked, looked at every 100 ms. */
let mostThrottled = 0;
setInterval(() => {
  mostThrottled = Math.max(mostThrottled, throttledNow() ?? 0);
}, 100).unref();

/** A request to measure a server's own code in this process (see inProcessLoad.ts). */
interface InProcessRequest {
  readonly kind: 'inProcess';
  /** The clients alone, or the server with them. */
  readonly of: 'harness' | 'server';
  readonly clients: number;
  readonly warmupMs: number;
  readonly measureMs: number;
}

answerRequests(
  (body: { kind: 'start'; game: ServedGame } | { kind: 'usage' } | InProcessRequest) => {
    if (body.kind === 'inProcess') {
      const measure = body.of === 'server' ? serverInProcess : harnessOnly;
      return measure(body.clients, body.warmupMs, body.measureMs);
    }
    if (body.kind === 'start') {
      const game = body.game;
      if (typeof game === 'object') return userModule(game.module).then((port) => ({ port }));
      const start = { quickstart, chase, echo, nativeEcho }[game];
      return start().then((port) => ({ port }));
    }
    const { user, system } = process.cpuUsage();
    const loopDelayP99Ms = loopDelay.percentile(99) / 1e6;
    loopDelay.reset();
    const now = usage();
    const throttled =
      now.throttled === undefined ? undefined : Math.max(mostThrottled, now.throttled);
    mostThrottled = 0;
    return { cpuMs: (user + system) / 1000, ...now, throttled, loopDelayP99Ms } satisfies Usage;
  },
);
