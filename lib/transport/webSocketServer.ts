import { placeKey } from './placeKey';
import type { IncomingMessage } from 'node:http';
import { Subject, interval } from 'rxjs';
import type { Observable } from 'rxjs';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import type { Address, Datagram, Transport } from './datagram';
import { addressKey } from './datagram';
import { SocketGuard } from './webSocketGuard';
import type { WebSocketServerOptions } from './webSocketServerOptions';
import {
  CLOSE_NO_SESSION,
  CLOSE_NO_SESSION_REASON,
  resolveWebSocketServerOptions,
} from './webSocketServerOptions';

/**
 * No datagram comes near it: a PyGaSe package has at most 2048 bytes, an rxgase datagram 1200
 * (larger messages go in fragments, over a WebSocket as over UDP); the largest UDP datagram is
 * about as large.
 */
const MAX_MESSAGE_SIZE = 64 * 1024;

/**
 * What a WebSocket server transport turned away, closed and skipped, since it started.
 *
 * @category Transports
 */
export interface WebSocketServerStats {
  /** Sockets refused because their address held `maxSocketsPerAddress` already. */
  readonly refused: number;
  /** Sockets closed for being out of an rxgase session for `handshakeTimeout`. */
  readonly timedOut: number;
  /** Sockets terminated for not answering a ping within `heartbeatInterval`. */
  readonly dead: number;
  /** Datagrams not sent to a peer that had `bufferLimit` bytes unread. */
  readonly skipped: number;
}

/**
 * A transport over a `ws` WebSocket server: each WebSocket connection is a peer.
 *
 * @category Transports
 */
export interface WebSocketServerTransport extends Transport {
  /** The clients whose WebSocket closed, as it closes. */
  readonly closed$: Observable<Address>;
  /** Errors of the server or of a peer's socket: reported, never thrown; the transport goes on. */
  readonly errors$: Observable<Error>;
  /** Messages that were not binary, and datagrams skipped for a peer that fell behind. */
  readonly dropped: number;
  /** The peers connected now. */
  readonly peers: number;
  /** Sockets refused, timed out and dead, and datagrams skipped, so far. */
  readonly stats: WebSocketServerStats;
}

/**
 * Listens for WebSocket connections and gives them as a {@link Transport}, one package per binary
 * message. Each connection is a peer of its own, at `{ host, port, scheme: 'ws' }` (the far end
 * of its TCP connection), so its {@link addressKey} never equals a UDP client's. A datagram to a
 * peer that is gone is dropped, as UDP drops it.
 *
 * No socket can pin the server: one out of an rxgase session for `handshakeTimeout` is closed, one
 * that stops answering pings is terminated, an address holds at most `maxSocketsPerAddress`, and
 * datagrams to a peer with `bufferLimit` bytes unread are skipped. Each is counted in `stats`.
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
 * @throws {@link InvalidArgumentError} At the call, if an option is not what it must be.
 * @throws If it cannot listen (the port is taken): the Promise rejects with the system's error.
 *
 * @category Transports
 */
export async function listenWebSocket(
  options: WebSocketServerOptions = {},
): Promise<WebSocketServerTransport> {
  const resolved = resolveWebSocketServerOptions(options);
  const { port, host, server, path, bufferLimit, handshakeTimeout, scheduler, logger } = resolved;
  const sockets = new Map<string, number>();
  const wss = new WebSocketServer({
    ...(server === undefined ? { port, host } : { server }),
    ...(path !== undefined && { path }),
    maxPayload: MAX_MESSAGE_SIZE,
    perMessageDeflate: false,
    // Called synchronously, and 'connection' follows at once: no upgrade slips in between.
    verifyClient: ({ req }: { req: IncomingMessage }, done) => {
      const from = req.socket.remoteAddress ?? 'unknown';
      if ((sockets.get(placeKey(from)) ?? 0) < resolved.maxSocketsPerAddress) return done(true);
      note('refused', `from ${from} refused: it holds ${resolved.maxSocketsPerAddress} already`);
      done(false, 429, 'Too Many Connections');
    },
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
  const linksClosed = new Subject<Address>();
  const peers = new Map<string, { readonly socket: WebSocket; readonly guard: SocketGuard }>();
  // Always listened to: an 'error' nobody listens to would crash the process.
  wss.on('error', (error) => errors.next(error));
  const stats = { refused: 0, timedOut: 0, dead: 0, skipped: 0 };
  let notBinary = 0;
  let closed = false;

  /** Counts one of `kind` and logs it: the first of each kind at WARN, every one at DEBUG. */
  function note(kind: keyof typeof stats, what: string): void {
    const message = `WebSocket ${what}.`;
    if (stats[kind] === 0) logger.warn(`${message} Counted in stats.${kind}; more at DEBUG.`);
    else logger.debug(message);
    stats[kind]++;
  }

  wss.on('connection', (socket, request) => {
    const address: Address = {
      host: request.socket.remoteAddress ?? 'unknown',
      port: request.socket.remotePort ?? 0,
      scheme: 'ws',
    };
    const key = addressKey(address);
    // Counted by the place key: one machine's IPv6 addresses, or its IPv4 one seen mapped, as one.
    const place = placeKey(address.host);
    sockets.set(place, (sockets.get(place) ?? 0) + 1);
    const guard = new SocketGuard(socket, {
      handshakeTimeout,
      bufferLimit,
      scheduler,
      onNoSession: () => {
        note('timedOut', `${key} closed: out of an rxgase session for ${handshakeTimeout} ms`);
        guard.close(CLOSE_NO_SESSION, CLOSE_NO_SESSION_REASON);
      },
    });
    peers.set(key, { socket, guard });
    socket.on('error', (error) => errors.next(error));
    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (!isBinary || !Buffer.isBuffer(data)) {
        notBinary++;
        return;
      }
      guard.received(data);
      datagrams.next({ data, address });
    });
    socket.on('close', () => {
      guard.stop();
      const left = (sockets.get(place) ?? 1) - 1;
      if (left > 0) sockets.set(place, left);
      else sockets.delete(place);
      if (peers.get(key)?.socket !== socket) return;
      peers.delete(key);
      if (!closed) linksClosed.next(address);
    });
  });

  const heartbeat = interval(resolved.heartbeatInterval, scheduler).subscribe(() => {
    for (const [key, { socket, guard }] of peers) {
      if (socket.readyState !== socket.OPEN || guard.beat()) continue;
      note('dead', `${key} terminated: no pong within ${resolved.heartbeatInterval} ms`);
      socket.terminate();
    }
  });

  const bound = server?.address() ?? wss.address();
  const local: Address =
    typeof bound === 'object' && bound !== null
      ? { host: bound.address, port: bound.port, scheme: 'ws' }
      : { host: String(bound), port: 0, scheme: 'ws' };

  return {
    datagrams$: datagrams.asObservable(),
    closed$: linksClosed.asObservable(),
    address: local,
    errors$: errors.asObservable(),
    get dropped() {
      return notBinary + stats.skipped;
    },
    get peers() {
      return peers.size;
    },
    get stats() {
      return { ...stats };
    },
    send({ data, address }: Datagram): void {
      const key = addressKey(address);
      const peer = peers.get(key);
      if (closed || peer === undefined || peer.socket.readyState !== peer.socket.OPEN) return;
      const outcome = peer.guard.send(data);
      if (outcome === 'sent') return;
      if (outcome === 'fell behind') note('skipped', `${key} fell behind: ${bufferLimit} B unread`);
      else stats.skipped++;
    },
    close(): void {
      if (closed) return;
      closed = true;
      heartbeat.unsubscribe();
      // What was sent before close still goes out: a WebSocket closes after its queued messages.
      for (const { guard } of peers.values()) guard.close(1001, 'server closing');
      peers.clear();
      wss.close();
      datagrams.complete();
      linksClosed.complete();
      errors.complete();
    },
  };
}
