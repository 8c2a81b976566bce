import { Client } from '../client/client';
import type { ConnectionStats } from '../connection/stats';
import { InvalidArgumentError } from '../protocol/errors';
import type { AnyEvents, GameEvents } from '../protocol/events';
import type { Server } from '../server/server';
import type { GameState } from '../state/gameState';
import { addressKey } from '../transport/datagram';
import type { MemoryNetwork } from '../transport/memoryNetwork';
import type { NetworkConditions } from '../transport/simulateNetwork';
import type { SimulationScheduler } from '../transport/simulationScheduler';
import type { Link, SimulatedLinks } from './simulatedLinks';
import type { TestClientOptions } from './testWorldOptions';

/**
 * Both ends of one client's connection, counted from their start: see `ConnectionStats`.
 *
 * ## Example
 * ```ts
 * const { client, server } = world.stats(ann);
 * expect(client?.resends).toBeGreaterThan(0); // events that ann sent again
 * expect(server?.duplicates).toBeGreaterThan(0); // packages from ann that came twice
 * ```
 *
 * @category Testing
 */
export interface LinkStats {
  /** The client's connection's; undefined while it is not connected. */
  readonly client: ConnectionStats | undefined;
  /** The server's connection to the client; undefined while the server holds none. */
  readonly server: ConnectionStats | undefined;
}

/** The clients of a test world, each bound to the simulated network through its own link. */
export class TestClients<
  S extends GameState<object> = GameState,
  E extends GameEvents = AnyEvents,
> {
  private readonly linkOf = new Map<Client<S, E>, Link>();

  /** @param conditions The world's network conditions, for a client that has none of its own. */
  constructor(
    private readonly scheduler: SimulationScheduler,
    private readonly network: MemoryNetwork,
    private readonly links: SimulatedLinks,
    private readonly conditions: NetworkConditions | undefined,
  ) {}

  /** The clients made so far, in the order they were made. */
  get all(): readonly Client<S, E>[] {
    return [...this.linkOf.keys()];
  }

  /**
   * Makes a client, not connected yet, on host `name` of the simulated network.
   *
   * @throws {InvalidArgumentError} If the name is empty or taken.
   */
  make(name: string, options: TestClientOptions): Client<S, E> {
    if (typeof name !== 'string' || name === '') {
      throw new InvalidArgumentError(
        `a client's name must be a non-empty string, got ${String(name)}`,
      );
    }
    if ([...this.linkOf.values()].some((link) => link.name === name)) {
      throw new InvalidArgumentError(`there is a client named ${name} already`);
    }
    const { network = this.conditions, ...clientOptions } = options;
    const link = this.links.add(name, network);
    const client = new Client<S, E>({
      ...clientOptions,
      scheduler: this.scheduler,
      bind: async () => {
        const transport = this.network.bind({ host: name });
        this.links.bind(link, transport.address);
        return this.links.clientSide(link, transport);
      },
      resolve: async (host) => host,
    });
    this.linkOf.set(client, link);
    return client;
  }

  /**
   * The link of one of these clients.
   *
   * @throws {InvalidArgumentError} If it is not one of them.
   */
  linkFor(client: Client<S, E>): Link {
    const link = this.linkOf.get(client);
    if (link === undefined) {
      throw new InvalidArgumentError(
        'that client is not one of this test world: make it with world.client() or world.connect()',
      );
    }
    return link;
  }

  /** What went through both ends of a client's connection to `server`. */
  stats(client: Client<S, E>, server: Server<S, E>): LinkStats {
    const { address } = this.linkFor(client);
    const onServer =
      address === undefined ? undefined : server.connections.get(addressKey(address));
    return { client: client.connection?.stats, server: onServer?.stats };
  }
}
