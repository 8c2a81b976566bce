import { asyncScheduler } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { DEFAULT_BLOCK_BANDWIDTH } from '../connection/blockSender';
import { checkMaxMessageSize } from '../connection/connectionOptions';
import { DEFAULT_SESSION_BUDGET } from '../connection/sessionBudget';
import { ReassemblyBudget } from '../operators/joinFragments';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../protocol/rxgaseConstants';
import type { SessionBudget } from '../connection/sessionBudget';
import { checkBoolean, checkLogger, checkPositive, checkTimeout } from '../options/checkOption';
import { InvalidArgumentError } from '../protocol/errors';
import type { Transport } from '../transport/datagram';
import { bindUdp } from '../transport/udpTransport';
import type { GameState } from '../state/gameState';
import type { Logger } from '../util/logger';
import { silentLogger } from '../util/logger';
import { DEFAULT_MAX_CLIENTS_PER_ADDRESS } from './addressPlaces';
import type { BudgetOptions } from './budgetOptions';
import { checkBudgetOptions } from './budgetOptions';
import type { RateLimit } from './rateLimiter';
import { checkRateLimit } from './rateLimiter';
import type { ViewClient } from './views';
import { Views } from './views';

/**
 * The server's default for {@link ServerOptions.legacyJoinsPerSecond}.
 *
 * @category Server/Backend
 */
export const DEFAULT_LEGACY_JOINS_PER_SECOND = 20;

/**
 * The server's default for {@link ServerOptions.maxClients}.
 *
 * @category Server/Backend
 */
export const DEFAULT_MAX_CLIENTS = 256;

/**
 * The server's default for {@link ServerOptions.maxReassemblyBytes}: 32 MiB.
 *
 * @category Server/Backend
 */
export const DEFAULT_MAX_REASSEMBLY_BYTES = 32 * 1024 * 1024;

/**
 * How a server listens. Every field says its default.
 *
 * @category Server/Backend
 */
export interface ServerOptions<S extends GameState<object> = GameState> extends BudgetOptions {
  /** Where every timer runs; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Default silent; INFO for startups, shutdowns, connects and disconnects. */
  readonly logger?: Logger;
  /** Opens the transport to listen on; default UDP (`bindUdp`). */
  readonly bind?: (port: number, hostname: string) => Promise<Transport>;
  /** How many clients may be connected at once; default 256. More are refused (`server full`). */
  readonly maxClients?: number;
  /**
   * Whether PyGaSe clients, which do not speak the rxgase protocol, may connect; default true.
   * Their packages carry no token: the server takes them on trust only once they ack a package,
   * and a stranger who guesses the 16-bit sequence number may still pass. Refuse them on a
   * public server that only rxgase clients use.
   */
  readonly legacyClients?: boolean;
  /**
   * How many new PyGaSe clients the server takes a second, all addresses together, in bursts of
   * twice as many; default 20 (`DEFAULT_LEGACY_JOINS_PER_SECOND`); false: no limit. Each new one
   * may try one guess at the ack that verifies it, so this bounds a stranger's guessing.
   */
  readonly legacyJoinsPerSecond?: number | false;
  /**
   * How many datagrams each address may send; default 500 a second, bursts of 250
   * (`DEFAULT_RATE_LIMIT`); false: no limit. Fields that are not positive numbers make the
   * constructor throw `InvalidArgumentError` (see `checkRateLimit`).
   */
  readonly rateLimit?: RateLimit | false;
  /**
   * How many events each connection may hold queued or unacknowledged; default 1024.
   * A whole number above 0, else the constructor throws `InvalidArgumentError`.
   */
  readonly maxPendingEvents?: number;
  /**
   * The largest message an rxgase client may send and be sent, in bytes: an event that large
   * goes in fragments of at most 1200 bytes (`MAX_DATAGRAM_SIZE`), joined again on arrival;
   * default 1 MiB (`DEFAULT_MAX_MESSAGE_SIZE`). PyGaSe clients stay at 2048 bytes a package.
   * The same bounds the game-state update sent an rxgase client, which goes as a block past one
   * datagram: a larger one is unsendable, reported on `errors$` and, if it stays so, the client is
   * let go with `state too large`. PyGaSe clients keep their protocol's limit: an update must fit
   * a 2,048-byte package. A whole number from 2048 to 8 MiB, else the constructor throws
   * `InvalidArgumentError`.
   */
  readonly maxMessageSize?: number;
  /**
   * The bytes of fragments all clients together may have the server hold while their messages are
   * not whole; default 32 MiB (`DEFAULT_MAX_REASSEMBLY_BYTES`). A fragment that would need more is
   * dropped, counted in `stats.fragmentsDropped`. Each client also holds at most 4 messages in
   * part, each for at most a second. A whole number above 0, else the constructor throws
   * `InvalidArgumentError`.
   */
  readonly maxReassemblyBytes?: number;
  /**
   * The bytes per second the blocks of each rxgase client may take, resends included; default
   * 1 MiB/s (`DEFAULT_BLOCK_BANDWIDTH`). A game-state update past one datagram (a joining
   * client's whole state) goes as a block, in slices, up to `maxMessageSize`: a joining client
   * gets a 256 KiB state in about a quarter of a second and a round trip. The packages go on
   * beside them. A number above 0, else the constructor throws `InvalidArgumentError`.
   */
  readonly bandwidthPerClient?: number;
  /**
   * Whether a client may shut the server down over the wire; default true, as in PyGaSe. The
   * client that may is the host: the first client connected, and when it leaves, the next client
   * to connect. An rxgase host asks with the token it got in the handshake
   * (`client.disconnect({ shutdownServer: true })`), a PyGaSe host with PyGaSe's shutdown word
   * from its address. False: no client is the host (`hostClient` is undefined, `client.isHost`
   * false), and every shutdown request is refused, counted in `stats.shutdownsRefused` and logged
   * at WARN once per client; only `shutdown()` stops the server. A public server wants false.
   */
  readonly remoteShutdown?: boolean;
  /**
   * How long an rxgase client whose link dropped (it fell silent for 5 s, or its WebSocket
   * closed) keeps its place, in ms: its session is held, with its events, and the client may
   * reconnect within it from any address (a new socket, a new network) and be the same client:
   * `dropped$` tells of the drop, `reconnected$` of the return, and `disconnected$` only once the
   * window passed without it. A client that leaves (`disconnect()`) goes at once. Default 0:
   * a dropped client is gone, as in PyGaSe. A number from 0 to 2,147,483,647 (a timer's
   * longest), else the constructor throws `InvalidArgumentError`.
   */
  readonly reconnectGraceMs?: number;
  /**
   * What each client may see of the state; default everything. Each client gets the difference of
   * its own view, and never a key outside it: a key that leaves its view is deleted on the client,
   * one that enters is set. `time_order` and `game_status` always go. The client's state holds
   * only what its view gave it, whatever its type says. Views are worked out once per state (and
   * per client, or per {@link viewKey}): a view must depend only on the state and the client.
   * Needs a state source with `statesSince` (a `GameStateStore` has it), else the constructor
   * throws `InvalidArgumentError`.
   */
  view?(state: S, client: ViewClient): Partial<S>;
  /**
   * Clients with the same key share one view of each state, worked out once per tick and encoded
   * once per `time_order` they hold (a team, a room); default each client its own. The view is
   * then called with the first client of the key: it must depend only on what the key says.
   */
  viewKey?(client: ViewClient): string;
}

/** {@link ServerOptions} checked, with every default filled in. */
export interface ServerSettings<S extends GameState<object> = GameState> {
  readonly scheduler: SchedulerLike;
  readonly logger: Logger;
  readonly bind: (port: number, hostname: string) => Promise<Transport>;
  readonly maxClients: number;
  readonly maxClientsPerAddress: number;
  readonly sessionBudget: SessionBudget | false;
  /** Undefined: each connection's own default. */
  readonly maxPendingEvents: number | undefined;
  readonly maxMessageSize: number;
  /** The bytes of partial messages held, all connections together: one budget per server. */
  readonly reassembly: ReassemblyBudget;
  readonly bandwidth: number;
  readonly legacyClients: boolean;
  readonly legacyJoinsPerSecond: number | false;
  /** Undefined: the rate limiter's own default. */
  readonly rateLimit: RateLimit | false | undefined;
  readonly remoteShutdown: boolean;
  /** 0: a client whose link dropped is gone. */
  readonly reconnectGraceMs: number;
  /** Undefined: every client sees the whole state. */
  readonly views: Views<S> | undefined;
}

/**
 * Checks a server's options and fills in their defaults, the one place either is done.
 *
 * @throws {@link InvalidArgumentError} If an option is not what it must be, naming it.
 */
export function serverSettings<S extends GameState<object>>(
  options: ServerOptions<S>,
): ServerSettings<S> {
  const { maxClients = DEFAULT_MAX_CLIENTS } = options;
  if (!(maxClients >= 0) || !(Number.isInteger(maxClients) || maxClients === Infinity)) {
    throw new InvalidArgumentError(`maxClients must be a whole number, got ${maxClients}`);
  }
  checkRateLimit(options.rateLimit);
  checkBudgetOptions(options);
  if (options.legacyJoinsPerSecond !== undefined && options.legacyJoinsPerSecond !== false) {
    checkPositive('legacyJoinsPerSecond', options.legacyJoinsPerSecond);
  }
  if (options.maxPendingEvents !== undefined) {
    checkPositive('maxPendingEvents', options.maxPendingEvents, { whole: true });
  }
  const { maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE } = options;
  checkMaxMessageSize(maxMessageSize);
  const { maxReassemblyBytes = DEFAULT_MAX_REASSEMBLY_BYTES } = options;
  const reassembly = new ReassemblyBudget(maxReassemblyBytes);
  if (options.bandwidthPerClient !== undefined) {
    checkPositive('bandwidthPerClient', options.bandwidthPerClient);
  }
  if (options.remoteShutdown !== undefined) {
    checkBoolean('remoteShutdown', options.remoteShutdown);
  }
  if (options.bind !== undefined && typeof options.bind !== 'function') {
    throw new InvalidArgumentError(`bind must be a function, got a ${typeof options.bind}`);
  }
  checkLogger(options.logger);
  const { reconnectGraceMs = 0 } = options;
  checkTimeout('reconnectGraceMs', reconnectGraceMs);
  return {
    scheduler: options.scheduler ?? asyncScheduler,
    logger: options.logger ?? silentLogger,
    bind: options.bind ?? ((port, host) => bindUdp({ port, host })),
    maxClients,
    maxClientsPerAddress: options.maxClientsPerAddress ?? DEFAULT_MAX_CLIENTS_PER_ADDRESS,
    sessionBudget: options.sessionBudget ?? DEFAULT_SESSION_BUDGET,
    maxPendingEvents: options.maxPendingEvents,
    maxMessageSize,
    reassembly,
    bandwidth: options.bandwidthPerClient ?? DEFAULT_BLOCK_BANDWIDTH,
    legacyClients: options.legacyClients !== false,
    legacyJoinsPerSecond: options.legacyJoinsPerSecond ?? DEFAULT_LEGACY_JOINS_PER_SECOND,
    rateLimit: options.rateLimit,
    remoteShutdown: options.remoteShutdown !== false,
    reconnectGraceMs,
    views: options.view === undefined ? undefined : new Views<S>(options.view, options.viewKey),
  };
}
