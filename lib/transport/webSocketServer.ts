import type { Server as HttpServer } from 'node:http';
import { Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import type { Address, Datagram, Transport } from './datagram';
import { addressKey } from './datagram';

/**
 * How a WebSocket server transport listens. Every field says its default.
 *
 * @category Transports
 */
export interface WebSocketServerOptions {
  /** The port to listen on; 0, the default, lets the operating system choose one. */
  readonly port?: number;
  /** The address to listen on; default `127.0.0.1`. */
  readonly host?: string;
  /**
   * An HTTP server, already listening or about to, to take WebSocket upgrades from instead of
   * listening on a port of its own (`port` and `host` are then unused). Closing the transport
   * leaves this server open.
   */
  readonly server?: HttpServer;
  /** Only upgrades to this path are taken; default any path. */
  readonly path?: string;
  /**
   * A peer whose unsent messages pile up past this many bytes loses what it is sent, as a UDP
   * peer would, instead of the server buffering without end; default
   * {@link DEFAULT_WEBSOCKET_BUFFER_LIMIT}.
   */
  readonly bufferLimit?: number;
}

/**
 * What a WebSocket peer may leave unsent before datagrams to it are dropped: 1 MiB.
 *
 * @category Transports
 */
export const DEFAULT_WEBSOCKET_BUFFER_LIMIT = 1024 * 1024;

/** No package comes near it; the largest UDP datagram is about as large. */
const MAX_MESSAGE_SIZE = 64 * 1024;

/**
 * A transport over a `ws` WebSocket server: each WebSocket connection is a peer.
 *
 * @category Transports
 */
export interface WebSocketServerTransport extends Transport {
  /** Errors of the server or of a peer's socket: reported, never thrown; the transport goes on. */
  readonly errors$: Observable<Error>;
  /** Messages that were not binary, and datagrams dropped for a peer that fell behind. */
  readonly dropped: number;
  /** The peers connected now. */
  readonly peers: number;
}

/**
 * Listens for WebSocket connections and gives them as a {@link Transport}, one package per binary
 * message. Each connection is a peer of its own, at `{ host, port, scheme: 'ws' }` (the far end
 * of its TCP connection), so its {@link addressKey} never equals a UDP client's. A datagram to a
 * peer that is gone is dropped, as UDP drops it.
 *
 * With {@link mergeTransports}, a {@link Server} takes UDP and WebSocket clients into one game.
 *
 * ## Example
 * ```ts
 * const transport = await listenWebSocket({ port: 8081 });
 * transport.datagrams$.subscribe(({ data, address }) => transport.send({ data, address })); // echo
 * ```
 *
 * @return The listening transport; its `address` has the port the system chose.
 * @throws If it cannot listen (the port is taken): the Promise rejects with the system's error.
 *
 * @category Transports
 */
export async function listenWebSocket(
  options: WebSocketServerOptions = {},
): Promise<WebSocketServerTransport> {
  const { port = 0, host = '127.0.0.1', server, path, bufferLimit } = options;
  const limit = bufferLimit ?? DEFAULT_WEBSOCKET_BUFFER_LIMIT;
  const wss = new WebSocketServer({
    ...(server === undefined ? { port, host } : { server }),
    ...(path !== undefined && { path }),
    maxPayload: MAX_MESSAGE_SIZE,
    perMessageDeflate: false,
  });
  await new Promise<void>((resolve, reject) => {
    const listening = server ?? wss;
    if (server?.listening) return resolve();
    const failed = (error: Error): void => reject(error);
    listening.once('error', failed);
    listening.once('listening', () => {
      listening.off('error', failed);
      resolve();
    });
  });
  const errors = new Subject<Error>();
  const datagrams = new Subject<Datagram>();
  const peers = new Map<string, WebSocket>();
  // Always listened to: an 'error' nobody listens to would crash the process.
  wss.on('error', (error) => errors.next(error));
  let dropped = 0;
  let closed = false;

  wss.on('connection', (socket, request) => {
    const address: Address = {
      host: request.socket.remoteAddress ?? 'unknown',
      port: request.socket.remotePort ?? 0,
      scheme: 'ws',
    };
    const key = addressKey(address);
    peers.set(key, socket);
    socket.on('error', (error) => errors.next(error));
    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (!isBinary || !Buffer.isBuffer(data)) {
        dropped++;
        return;
      }
      datagrams.next({ data, address });
    });
    socket.on('close', () => {
      if (peers.get(key) === socket) peers.delete(key);
    });
  });

  const bound = server?.address() ?? wss.address();
  const local: Address =
    typeof bound === 'object' && bound !== null
      ? { host: bound.address, port: bound.port, scheme: 'ws' }
      : { host: String(bound), port: 0, scheme: 'ws' };

  return {
    datagrams$: datagrams.asObservable(),
    address: local,
    errors$: errors.asObservable(),
    get dropped() {
      return dropped;
    },
    get peers() {
      return peers.size;
    },
    send({ data, address }: Datagram): void {
      const socket = peers.get(addressKey(address));
      if (closed || socket === undefined || socket.readyState !== socket.OPEN) return;
      if (socket.bufferedAmount > limit) {
        dropped++;
        return;
      }
      socket.send(data, { binary: true });
    },
    close(): void {
      if (closed) return;
      closed = true;
      // What was sent before close still goes out: a WebSocket closes after its queued messages.
      for (const socket of peers.values()) socket.close(1001, 'server closing');
      peers.clear();
      wss.close();
      datagrams.complete();
      errors.complete();
    },
  };
}
