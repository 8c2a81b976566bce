/**
 * The web chase demo's server: one chase game over UDP and WebSocket at once, the page over HTTP
 * (its script bundled for the browser with esbuild on start), and bots to play against.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Address, Backend, Logger } from '../../../lib/index';
import {
  answerDiscovery,
  bindUdp,
  listenWebSocket,
  mergeTransports,
  silentLogger,
} from '../../../lib/index';
import type { DiscoveryResponder } from '../../../lib/index';
import type { Bots } from '../bot';
import { playBots } from '../bot';
import type { Chase, ChaseEvents } from '../game';
import { chaseBackend } from '../backend';
import type { ChaseOptions } from '../backend';

/** Where and how the demo serves. Every field says its default. */
export interface ServeOptions {
  /** Default `localhost`. */
  readonly host?: string;
  /** The HTTP port, where browsers load the page and open their WebSocket; default 8000. */
  readonly httpPort?: number;
  /** The UDP port, for terminal clients and bots; default 8080. */
  readonly udpPort?: number;
  /** How many bots play over UDP, each a client; default 3. */
  readonly bots?: number;
  /**
   * The game's field, the bots the server plays itself and the view radius (`BIG_WORLD` in backend.ts,
   * say); default PyGaSe's field, no server bots, every client seeing everything.
   */
  readonly world?: Pick<ChaseOptions, 'field' | 'bots' | 'viewRadius'>;
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
  readonly backend: Backend<Chase, ChaseEvents>;
  /** The LAN discovery responder, when asked for. */
  readonly discovery: DiscoveryResponder | undefined;
  /** Stops the bots, the game and the HTTP server. */
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
  const http = createServer((request, response) => {
    const file = files[new URL(request.url ?? '/', 'http://localhost').pathname];
    if (request.method !== 'GET' || file === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' });
    response.end(file.body);
  });
  const httpAddress = await listen(http, httpPort, host);
  const backend = chaseBackend({
    ...world,
    logger,
    bind: async (port, hostname) =>
      mergeTransports(
        await bindUdp({ port, host: hostname }),
        await listenWebSocket({ server: http }),
      ),
  });
  let udp: Address;
  try {
    udp = await backend.run(host, udpPort);
  } catch (error) {
    http.close();
    throw error;
  }
  let playing: Bots | undefined;
  try {
    playing = await playBots(udp.port, udp.host, bots);
  } catch (error) {
    await backend.shutdown();
    http.close();
    throw error;
  }
  const discovery =
    discoveryPort === undefined
      ? undefined
      : await answerDiscovery({
          port: discoveryPort,
          info: () => ({
            name: 'chase',
            port: udp.port,
            webSocketPort: httpAddress.port,
            clients: backend.server.connections.size,
          }),
        }).catch(async (error: unknown) => {
          await playing?.stop();
          await backend.shutdown();
          http.close();
          throw error;
        });
  const urlHost = httpAddress.host.includes(':') ? `[${httpAddress.host}]` : httpAddress.host;
  return {
    url: `http://${host === 'localhost' ? 'localhost' : urlHost}:${httpAddress.port}/`,
    udp,
    webSocket: { ...httpAddress, scheme: 'ws' },
    backend,
    discovery,
    close: async () => {
      discovery?.close();
      await playing?.stop();
      await backend.shutdown();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
