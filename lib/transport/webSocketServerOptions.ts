import type { Server as HttpServer } from 'node:http';
import { asyncScheduler } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { checkLogger, checkPositive, checkScheduler } from '../options/checkOption';
import { InvalidArgumentError } from '../protocol/errors';
import type { Logger } from '../util/logger';
import { silentLogger } from '../util/logger';
import { checkHostname, checkPort } from './checkAddress';

/**
 * How a WebSocket server transport listens, and what it allows each socket. Every field says its
 * default.
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
   * The most bytes sent to a peer that it may leave unread; default
   * {@link DEFAULT_WEBSOCKET_BUFFER_LIMIT}. Past it, datagrams to the peer are skipped, as UDP
   * would lose them, until it reads; a server package skipped is covered by the next, which
   * holds every change the client has not acked. This counts what waits in the kernel's buffers
   * and the peer's too, not only `bufferedAmount`. A message sent in fragments goes at once: keep
   * this above the largest event the server sends a WebSocket client, or its fragments are
   * skipped each time it is resent.
   */
  readonly bufferLimit?: number;
  /**
   * Milliseconds a socket may be out of an rxgase session (before its handshake, or after its
   * session ended) before it is closed with code 1008, `no rxgase session`; default
   * {@link DEFAULT_WEBSOCKET_HANDSHAKE_TIMEOUT}.
   */
  readonly handshakeTimeout?: number;
  /**
   * Milliseconds between pings to each socket; one that has not answered by the next is
   * terminated. Default {@link DEFAULT_WEBSOCKET_HEARTBEAT_INTERVAL}.
   */
  readonly heartbeatInterval?: number;
  /**
   * The most sockets open at once from one IP address; more are refused with HTTP 429 before
   * they become WebSockets. Default {@link DEFAULT_MAX_WEBSOCKETS_PER_ADDRESS}.
   */
  readonly maxSocketsPerAddress?: number;
  /** The clock of the handshake timeouts and heartbeats; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /**
   * Where sockets refused, timed out and dead, and peers skipped, are logged: the first of each
   * kind at WARN, every one at DEBUG. Default {@link silentLogger}.
   */
  readonly logger?: Logger;
}

/**
 * What a WebSocket peer may leave unread before datagrams to it are skipped: 256 KiB, a few
 * seconds of the largest packages at 40 a second, and 64 MiB for a full server of 256 clients.
 *
 * @category Transports
 */
export const DEFAULT_WEBSOCKET_BUFFER_LIMIT = 256 * 1024;

/**
 * How long a WebSocket may be out of an rxgase session before it is closed: 5 s, the connection
 * timeout, and many round trips for a handshake that takes two.
 *
 * @category Transports
 */
export const DEFAULT_WEBSOCKET_HANDSHAKE_TIMEOUT = 5000;

/**
 * How often each WebSocket is pinged: every 10 s. A dead one goes within 20 s.
 *
 * @category Transports
 */
export const DEFAULT_WEBSOCKET_HEARTBEAT_INTERVAL = 10_000;

/**
 * How many WebSockets one IP address may hold open: 32, a LAN party behind one NAT, each player
 * with a tab or two.
 *
 * @category Transports
 */
export const DEFAULT_MAX_WEBSOCKETS_PER_ADDRESS = 32;

/**
 * The close code a socket gets when it has been out of an rxgase session too long: RFC 6455's
 * 1008, policy violation.
 *
 * @category Transports
 */
export const CLOSE_NO_SESSION = 1008;

/** The reason that goes with {@link CLOSE_NO_SESSION}. */
export const CLOSE_NO_SESSION_REASON = 'no rxgase session';

/** The options with their defaults filled in. */
export type ResolvedWebSocketServerOptions = Required<
  Omit<WebSocketServerOptions, 'server' | 'path'>
> &
  Pick<WebSocketServerOptions, 'server' | 'path'>;

/**
 * Checks the options given to `listenWebSocket` and fills in the defaults.
 *
 * @throws {@link InvalidArgumentError} If one is not what it must be, naming it.
 */
export function resolveWebSocketServerOptions(
  options: WebSocketServerOptions,
): ResolvedWebSocketServerOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`the options must be an object, got ${String(options)}`);
  }
  const {
    port = 0,
    host = '127.0.0.1',
    server,
    path,
    bufferLimit = DEFAULT_WEBSOCKET_BUFFER_LIMIT,
    handshakeTimeout = DEFAULT_WEBSOCKET_HANDSHAKE_TIMEOUT,
    heartbeatInterval = DEFAULT_WEBSOCKET_HEARTBEAT_INTERVAL,
    maxSocketsPerAddress = DEFAULT_MAX_WEBSOCKETS_PER_ADDRESS,
    scheduler = asyncScheduler,
    logger = silentLogger,
  } = options;
  checkPort(port, 0);
  checkHostname(host);
  if (server !== undefined && (typeof server !== 'object' || server === null)) {
    throw new InvalidArgumentError('server must be an HTTP server');
  }
  if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/'))) {
    throw new InvalidArgumentError(`path must be a string starting with /, got ${String(path)}`);
  }
  checkPositive('bufferLimit', bufferLimit, { whole: true });
  checkPositive('handshakeTimeout', handshakeTimeout);
  checkPositive('heartbeatInterval', heartbeatInterval);
  checkPositive('maxSocketsPerAddress', maxSocketsPerAddress, { whole: true });
  checkScheduler(scheduler);
  checkLogger(logger);
  return {
    port,
    host,
    server,
    path,
    bufferLimit,
    handshakeTimeout,
    heartbeatInterval,
    maxSocketsPerAddress,
    scheduler,
    logger,
  };
}
