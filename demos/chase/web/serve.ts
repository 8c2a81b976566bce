/**
 * The web chase demo's server: chase rooms over UDP and WebSocket at once, on one port each, with
 * a matchmaker for the page's lobby; the page over HTTP (its script bundled for the browser with
 * esbuild on start); and bots to play against in the main room, where terminal players land too.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { join } from 'node:path';
import { build } from 'esbuild';
import { hostname as machineName } from 'node:os';
import type { Address, Logger, WebRtcServerTransport } from '../../../lib/index';
import {
  Matchmaker,
  RoomServer,
  answerDiscovery,
  bindUdp,
  listenWebRtc,
  listenWebSocket,
  mergeTransports,
  silentLogger,
} from '../../../lib/index';
import type { DiscoveryResponder } from '../../../lib/index';
import { playBots } from '../bot';
import type { ChaseRules } from '../rules';
import { CHASE_ROOM } from '../game';
import { defineChaseRooms } from '../rooms';

/** The room terminal players and the UDP bots land in, which is always there. */
export const MAIN_ROOM = 'main';

/** The most rooms the demo holds: the lobby lets anyone make one. */
const MAX_ROOMS = 50;

/** Where and how the demo serves. Every field says its default. */
export interface ServeOptions {
  /** Default `localhost`. */
  readonly host?: string;
  /** The HTTP port, where browsers load the page and open their WebSocket; default 8000. */
  readonly httpPort?: number;
  /** The UDP port, for terminal clients and bots; default 8080. */
  readonly udpPort?: number;
  /** How many bots play over UDP in the main room, each a client; default 3. */
  readonly bots?: number;
  /**
   * Every room's field, the bots the server plays itself in each and the view radius
   * (`BIG_WORLD` in backend.ts, say); default PyGaSe's field, no server bots, every client seeing
   * everything.
   */
  readonly world?: Pick<ChaseRules, 'field' | 'bots' | 'viewRadius'>;
  /** Default silent. */
  readonly logger?: Logger;
  /** The port to answer LAN discovery on (0: one the system chooses); default none. */
  readonly discoveryPort?: number;
}

/** A running web chase demo. */
export interface ServedChase {
  /** The page's address: `http://host:port/`. */
  readonly url: string;
  /** Where the game takes UDP clients. */
  readonly udp: Address;
  /** Where it takes WebSocket clients: the HTTP server's address. */
  readonly webSocket: Address;
  /** The rooms; the main one's id is {@link MAIN_ROOM}. */
  readonly rooms: RoomServer;
  /** The lobby's matchmaker, at `/matchmake` and `/rooms` of the page's address. */
  readonly matchmaker: Matchmaker;
  /** The LAN discovery responder, when asked for. */
  readonly discovery: DiscoveryResponder | undefined;
  /** Stops the bots, the rooms (their clients told `shutdown`) and the HTTP server. */
  close(): Promise<void>;
}

/** Bundles the page's script, and rxgase's browser build with it, as one ES module. */
async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [join(__dirname, 'page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

function listen(server: HttpServer, port: number, host: string): Promise<Address> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const bound = server.address();
      if (bound === null || typeof bound === 'string') return reject(new Error('not listening'));
      resolve({ host: bound.address, port: bound.port });
    });
  });
}

/** Serves the web chase demo; resolves once the page, the game and the bots are all up. */
export async function serveChase(options: ServeOptions = {}): Promise<ServedChase> {
  const {
    host = 'localhost',
    httpPort = 8000,
    udpPort = 8080,
    bots = 3,
    logger = silentLogger,
    discoveryPort,
    world,
  } = options;
  const [page, script] = await Promise.all([
    readFile(join(__dirname, 'index.html'), 'utf8'),
    bundlePage(),
  ]);
  const files: Record<string, { type: string; body: string }> = {
    '/': { type: 'text/html; charset=utf-8', body: page },
    '/page.js': { type: 'text/javascript; charset=utf-8', body: script },
  };
  // The rooms' WebSocket clients arrive on the HTTP server (made below, before the rooms run).
  let rtc: WebRtcServerTransport | undefined;
  const rooms = defineChaseRooms(
    new RoomServer({
      logger,
      defaultRoom: { type: CHASE_ROOM, roomId: MAIN_ROOM, options: { name: 'Main room' } },
      maxRooms: MAX_ROOMS,
      // Seats name the host players reach; a wildcard is no host to reach.
      ...((host === '0.0.0.0' || host === '::') && { publicHost: machineName() }),
      bind: async (port, hostname) => {
        const udp = await bindUdp({ port, host: hostname });
        try {
          // Browsers' data channels, signaled on the page's own port, and their WebSockets.
          rtc = await listenWebRtc({ host: hostname === 'localhost' ? '127.0.0.1' : hostname });
          return mergeTransports(udp, await listenWebSocket({ server: http }), rtc);
        } catch (error) {
          udp.close();
          throw error;
        }
      },
    }),
    { ...world, logger },
  );
  const matchmaker = new Matchmaker(rooms, { logger });
  const http = createServer((request, response) => {
    if (rtc?.handle(request, response) === true) return;
    // The path alone, without URL: a request target URL cannot parse must not throw here.
    const [path = '/'] = (request.url ?? '/').split('?');
    if (path.startsWith('/matchmake/') || path === '/rooms' || path.startsWith('/rooms/')) {
      void matchmaker.handle(request, response);
      return;
    }
    const file = files[path];
    if (request.method !== 'GET' || file === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' });
    response.end(file.body);
  });
  const httpAddress = await listen(http, httpPort, host);
  const closeHttp = (): Promise<void> => {
    http.closeAllConnections();
    return new Promise<void>((resolve) => http.close(() => resolve()));
  };
  // What was started, stopped in the reverse order, when starting fails or the demo closes.
  const started: (() => Promise<void> | void)[] = [closeHttp];
  const stop = async (): Promise<void> => {
    for (const undo of started.splice(0).reverse()) await undo();
  };
  try {
    // Shut down whatever of it ran, should running fail halfway (its default room, say).
    started.push(() => rooms.shutdown());
    const udp = await rooms.run(udpPort, host);
    const playing = await playBots(udp.port, udp.host, bots);
    started.push(() => playing.stop());
    const discovery =
      discoveryPort === undefined
        ? undefined
        : await answerDiscovery({
            port: discoveryPort,
            info: () => ({
              name: 'chase',
              port: udp.port,
              webSocketPort: httpAddress.port,
              clients: rooms.list().reduce((sum, room) => sum + room.clients, 0),
            }),
          });
    if (discovery !== undefined) started.push(() => discovery.close());
    const urlHost = httpAddress.host.includes(':') ? `[${httpAddress.host}]` : httpAddress.host;
    return {
      url: `http://${host === 'localhost' ? 'localhost' : urlHost}:${httpAddress.port}/`,
      udp,
      webSocket: { ...httpAddress, scheme: 'ws' },
      rooms,
      matchmaker,
      discovery,
      close: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
