import { InvalidArgumentError } from '../protocol/errors';
import { asyncScheduler } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { checkMaxMessageSize } from '../connection/connectionOptions';
import { DEFAULT_MAX_PENDING_EVENTS } from '../connection/eventIds';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../protocol/rxgaseConstants';
import { checkPositive } from '../options/checkOption';
import type { Transport } from '../transport/datagram';
import type { Logger } from '../util/logger';
import { silentLogger } from '../util/logger';
import { bindClientTransport, resolveHostname } from './platform';

/**
 * How long `connect`, `waitUntil` and `tryTo` wait by default.
 *
 * @category Client
 */
export const DEFAULT_WAIT_MS = 5000;

/**
 * How a client connects. Every field says its default.
 *
 * @category Client
 */
export interface ClientOptions {
  /** Where every timer runs; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Default silent. */
  readonly logger?: Logger;
  /**
   * Opens the client's own transport; default a UDP socket on a port the system chooses (in the
   * browser build, `webSocketClientTransport()`).
   */
  readonly bind?: () => Promise<Transport>;
  /**
   * Turns a hostname into the address datagrams come from; default a DNS lookup (IPv4), in the
   * browser build the hostname as it is.
   */
  readonly resolve?: (hostname: string) => Promise<string>;
  /**
   * `rxgase` (the default): connect with the rxgase handshake, events handled exactly once,
   * close reasons, a token for the host. `pygase`: PyGaSe's own protocol, to play on a Python
   * PyGaSe server, which knows no other (and may stop reading at a datagram it cannot decode).
   */
  readonly protocol?: 'rxgase' | 'pygase';
  /**
   * How many events may be queued or unacknowledged at once; default 1024.
   * A whole number above 0, else the constructor throws `InvalidArgumentError`.
   */
  readonly maxPendingEvents?: number;
  /**
   * The largest message sent to or taken from an rxgase server, in bytes: past 1200 bytes it goes
   * in fragments; default 1 MiB (`DEFAULT_MAX_MESSAGE_SIZE`), as a server's. PyGaSe's protocol
   * stays at 2048. A whole number of at least 2048, else the constructor throws
   * `InvalidArgumentError`.
   */
  readonly maxMessageSize?: number;
  /**
   * The matchmaker's HTTP address (`http://host:port`) that `joinOrCreate`, `create`,
   * `join(roomId)` and `rooms$` ask. Default none: join only with a reservation in hand.
   */
  readonly matchmaker?: string;
  /** What the matchmaker's `auth` checks (a login token, say), sent with each request; default none. */
  readonly credentials?: unknown;
  /**
   * How an rxgase client whose link drops (the server silent for 5 s, its WebSocket closed, the
   * server saying it holds the client's place) comes back: it connects again with its session
   * token, from a new socket, to a server that holds its place (`reconnectGraceMs`), and is the
   * same client there, its state and its events kept; `status$` says `reconnecting` meanwhile.
   * Default `{}`: every default of {@link ReconnectOptions}. `false`: a drop ends the connection.
   * A PyGaSe client never reconnects.
   */
  readonly reconnect?: ReconnectOptions | false;
}

/**
 * How a client reconnects after its link dropped: attempts at once, then after a delay that
 * doubles from `minDelayMs` up to `maxDelayMs`, until `timeoutMs` passed.
 *
 * @category Client
 */
export interface ReconnectOptions {
  /** How long the client tries, from the drop, before it counts as disconnected; default 10,000 ms. */
  readonly timeoutMs?: number;
  /** The delay after the first failed attempt; default 100 ms. */
  readonly minDelayMs?: number;
  /** The longest delay between attempts; default 2000 ms. */
  readonly maxDelayMs?: number;
}

/** A client's options with their defaults filled in. */
export type ResolvedClientOptions = Required<
  Omit<ClientOptions, 'matchmaker' | 'credentials' | 'reconnect'>
> &
  Pick<ClientOptions, 'matchmaker' | 'credentials'> & {
    /** False: a drop ends the connection. */
    readonly reconnect: Required<ReconnectOptions> | false;
  };

/**
 * Checks the options given to a `Client` and fills in the defaults.
 *
 * @throws {@link InvalidArgumentError} If `maxPendingEvents` is not a whole number above 0,
 *   `maxMessageSize` not a whole number from 2048 to 8 MiB, or a `reconnect` delay not above 0.
 */
export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  const { maxPendingEvents = DEFAULT_MAX_PENDING_EVENTS } = options;
  checkPositive('maxPendingEvents', maxPendingEvents, { whole: true });
  const { maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE } = options;
  checkMaxMessageSize(maxMessageSize);
  return {
    scheduler: options.scheduler ?? asyncScheduler,
    logger: options.logger ?? silentLogger,
    bind: options.bind ?? bindClientTransport,
    resolve: options.resolve ?? resolveHostname,
    protocol: options.protocol ?? 'rxgase',
    maxPendingEvents,
    maxMessageSize,
    matchmaker: checkMatchmaker(options.matchmaker),
    credentials: options.credentials,
    reconnect: reconnectOptions(options.reconnect),
  };
}

/** How a client reconnects, checked, its defaults filled in. */
function reconnectOptions(
  options: ReconnectOptions | false | undefined,
): Required<ReconnectOptions> | false {
  if (options === false) return false;
  const { timeoutMs = 10_000, minDelayMs = 100, maxDelayMs = 2000 } = options ?? {};
  checkPositive('reconnect.timeoutMs', timeoutMs);
  checkPositive('reconnect.minDelayMs', minDelayMs);
  checkPositive('reconnect.maxDelayMs', maxDelayMs);
  return { timeoutMs, minDelayMs, maxDelayMs };
}

/** An http(s) URL, or none. */
function checkMatchmaker(matchmaker: unknown): string | undefined {
  if (matchmaker === undefined) return undefined;
  if (typeof matchmaker !== 'string' || !/^https?:\/\/[^/]/.test(matchmaker)) {
    throw new InvalidArgumentError(
      `matchmaker must be an http(s) URL such as http://localhost:2567, got ${String(matchmaker)}`,
    );
  }
  return matchmaker;
}
