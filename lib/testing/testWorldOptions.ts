import type { ClientOptions } from '../client/clientOptions';
import { checkPositive } from '../options/checkOption';
import { InvalidArgumentError } from '../protocol/errors';
import type { ServerOptions } from '../server/serverOptions';
import type { GameState } from '../state/gameState';
import type { NetworkConditions } from '../transport/simulateNetwork';

/**
 * How a test world runs, beside its game. Every field says its default.
 *
 * ## Example
 * ```ts
 * const world = await TestWorld.start({
 *   ...game,
 *   network: { latencyMs: 100, jitterMs: 30, loss: 0.25, duplicate: 0.1 },
 *   seed: 42,
 *   serverOptions: { maxClients: 8 },
 * });
 * ```
 *
 * @category Testing
 */
export interface TestWorldOptions<S extends GameState<object> = GameState> {
  /**
   * What every client's link to the server does to datagrams, each way; default a perfect link
   * (delivered at once, in order). A client may have its own (see {@link TestClientOptions}).
   */
  readonly network?: NetworkConditions;
  /**
   * The seed of the simulated network; default 1. Each direction of each client's link gets its
   * own seed from it (by the order the clients were made), so the same test with the same seed
   * runs the same way, datagram for datagram.
   */
  readonly seed?: number;
  /** Time between game loop ticks, in virtual ms; default 20. */
  readonly tickMs?: number;
  /**
   * The step in which `advance` and the waits move virtual time, letting promises settle
   * between two steps; default 5 ms. Smaller is finer and slower.
   */
  readonly stepMs?: number;
  /** The server's host on the simulated network; default `server`. */
  readonly host?: string;
  /** The server's port; default 7000. */
  readonly port?: number;
  /** The server's options (`maxClients`, `rateLimit`, `logger`, `view`, ...); default none. */
  readonly serverOptions?: Omit<ServerOptions<S>, 'scheduler' | 'bind'>;
}

/**
 * How a test world makes one client: its options as a `Client`'s, but its clock, transport and
 * name resolution are the world's; and its own network conditions. Every field says its default.
 *
 * ## Example
 * ```ts
 * const far = await world.connect('far', { network: { latencyMs: 300, loss: 0.3 } });
 * const old = await world.connect('old', { protocol: 'pygase' });
 * ```
 *
 * @category Testing
 */
export interface TestClientOptions extends Omit<ClientOptions, 'scheduler' | 'bind' | 'resolve'> {
  /**
   * What this client's link does to datagrams, each way; default the world's `network`. With a
   * `seed`, the link's randomness comes from it and the client's name alone, whatever the other
   * clients.
   */
  readonly network?: NetworkConditions;
}

/** A test world's options with their defaults filled in; `network` and `serverOptions` have none. */
export type ResolvedTestWorldOptions<S extends GameState<object> = GameState> = Required<
  Omit<TestWorldOptions<S>, 'network' | 'serverOptions'>
> &
  Pick<TestWorldOptions<S>, 'network' | 'serverOptions'>;

/**
 * Checks a test world's options and fills in the defaults.
 *
 * @throws {@link InvalidArgumentError} If `tickMs` or `stepMs` is not a number above 0, or `seed`
 *   not a whole number.
 */
export function resolveTestWorldOptions<S extends GameState<object>>(
  options: TestWorldOptions<S>,
): ResolvedTestWorldOptions<S> {
  const {
    network,
    seed = 1,
    tickMs = 20,
    stepMs = 5,
    host = 'server',
    port = 7000,
    serverOptions,
  } = options;
  checkPositive('tickMs', tickMs);
  checkPositive('stepMs', stepMs);
  if (!Number.isInteger(seed)) {
    throw new InvalidArgumentError(`seed must be a whole number, got ${String(seed)}`);
  }
  return { network, seed, tickMs, stepMs, host, port, serverOptions };
}
