import { asyncScheduler } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { DEFAULT_SESSION_BUDGET } from '../connection/sessionBudget';
import type { SessionBudget } from '../connection/sessionBudget';
import { checkBoolean, checkPositive } from '../options/checkOption';
import { InvalidArgumentError } from '../protocol/errors';
import type { Transport } from '../transport/datagram';
import { bindUdp } from '../transport/udpTransport';
import type { Logger } from '../util/logger';
import { silentLogger } from '../util/logger';
import { DEFAULT_MAX_CLIENTS_PER_ADDRESS } from './addressPlaces';
import type { BudgetOptions } from './budgetOptions';
import { checkBudgetOptions } from './budgetOptions';
import type { RateLimit } from './rateLimiter';
import { checkRateLimit } from './rateLimiter';

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
 * How a server listens. Every field says its default.
 *
 * @category Server/Backend
 */
export interface ServerOptions extends BudgetOptions {
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
   * Whether a client may shut the server down over the wire; default true, as in PyGaSe. The
   * client that may is the host: the first client connected, and when it leaves, the next client
   * to connect. An rxgase host asks with the token it got in the handshake
   * (`client.disconnect({ shutdownServer: true })`), a PyGaSe host with PyGaSe's shutdown word
   * from its address. False: no client is the host (`hostClient` is undefined, `client.isHost`
   * false), and every shutdown request is refused, counted in `stats.shutdownsRefused` and logged
   * at WARN once per client; only `shutdown()` stops the server. A public server wants false.
   */
  readonly remoteShutdown?: boolean;
}

/** {@link ServerOptions} checked, with every default filled in. */
export interface ServerSettings {
  readonly scheduler: SchedulerLike;
  readonly logger: Logger;
  readonly bind: (port: number, hostname: string) => Promise<Transport>;
  readonly maxClients: number;
  readonly maxClientsPerAddress: number;
  readonly sessionBudget: SessionBudget | false;
  /** Undefined: each connection's own default. */
  readonly maxPendingEvents: number | undefined;
  readonly legacyClients: boolean;
  readonly legacyJoinsPerSecond: number | false;
  /** Undefined: the rate limiter's own default. */
  readonly rateLimit: RateLimit | false | undefined;
  readonly remoteShutdown: boolean;
}

/**
 * Checks a server's options and fills in their defaults, the one place either is done.
 *
 * @throws {@link InvalidArgumentError} If an option is not what it must be, naming it.
 */
export function serverSettings(options: ServerOptions): ServerSettings {
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
  if (options.remoteShutdown !== undefined) {
    checkBoolean('remoteShutdown', options.remoteShutdown);
  }
  return {
    scheduler: options.scheduler ?? asyncScheduler,
    logger: options.logger ?? silentLogger,
    bind: options.bind ?? ((port, host) => bindUdp({ port, host })),
    maxClients,
    maxClientsPerAddress: options.maxClientsPerAddress ?? DEFAULT_MAX_CLIENTS_PER_ADDRESS,
    sessionBudget: options.sessionBudget ?? DEFAULT_SESSION_BUDGET,
    maxPendingEvents: options.maxPendingEvents,
    legacyClients: options.legacyClients !== false,
    legacyJoinsPerSecond: options.legacyJoinsPerSecond ?? DEFAULT_LEGACY_JOINS_PER_SECOND,
    rateLimit: options.rateLimit,
    remoteShutdown: options.remoteShutdown !== false,
  };
}
