import { filter, groupBy, mergeMap, pipe, share } from 'rxjs';
import type { MonoTypeOperatorFunction, SchedulerLike } from 'rxjs';
import type { Address, Datagram, Transport } from '../transport/datagram';
import { addressKey } from '../transport/datagram';
import type { NetworkConditions } from '../transport/simulateNetwork';
import { simulateNetwork } from '../transport/simulateNetwork';

/** One client's link to the server in a test world. */
export interface Link {
  /** The client's name, which is also the host its transport binds to. */
  readonly name: string;
  /** What the link does to datagrams, both ways; undefined for a perfect link. */
  readonly conditions: NetworkConditions | undefined;
  /** The seeds of its two directions: to the server, to the client. */
  readonly seeds: readonly [up: number, down: number];
  /** While true, every datagram either way is lost, those in flight included. */
  cut: boolean;
  /** Where the client's transport is bound now; a new connect binds a new one. */
  address: Address | undefined;
}

/**
 * The links of every client of a test world to its server. Each direction of a link is simulated
 * on the receiving side, so what a peer sent just before closing its transport still arrives, as
 * it would over UDP; and each has its own seeded generator, so one client's traffic never changes
 * the fate of another's datagrams.
 */
export class SimulatedLinks {
  private readonly byAddress = new Map<string, Link>();
  private count = 0;

  /**
   * @param scheduler Where the delays run.
   * @param seed The seed every link's own seeds derive from, unless its conditions name one.
   */
  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly seed: number,
  ) {}

  /** A new link for the client `name`, numbered in the order links are made. */
  add(name: string, conditions: NetworkConditions | undefined): Link {
    const index = ++this.count;
    const base = conditions?.seed ?? this.seed;
    // An explicit seed gives the same link whatever other clients there are: numbered by the
    // client's name, so that clients of one seed (the world's network's) still differ.
    const number = conditions?.seed === undefined ? index : nameNumber(name);
    return {
      name,
      conditions,
      seeds: [mix(base, number, 0), mix(base, number, 1)],
      cut: false,
      address: undefined,
    };
  }

  /** Notes that `link`'s client is bound at `address` now, so the server knows its datagrams. */
  bind(link: Link, address: Address): void {
    link.address = address;
    this.byAddress.set(addressKey(address), link);
  }

  /** The server's transport, each client's datagrams passed through its link as they arrive. */
  serverSide(transport: Transport): Transport {
    return {
      ...transport,
      datagrams$: transport.datagrams$.pipe(
        groupBy(({ address }) => addressKey(address)),
        mergeMap((from) => {
          const link = this.byAddress.get(from.key);
          // Datagrams from an address that is no client of the world (a test's own raw
          // endpoint) arrive as the memory network delivers them.
          return link === undefined ? from : from.pipe(this.through(link, link.seeds[0]));
        }),
      ),
    };
  }

  /** A client's transport, the server's datagrams passed through the client's link. */
  clientSide(link: Link, transport: Transport): Transport {
    return {
      ...transport,
      // One simulation, whoever listens (a client's handshake, then its connection): each
      // datagram's fate is the same for all.
      datagrams$: transport.datagrams$.pipe(this.through(link, link.seeds[1]), share()),
    };
  }

  /** One direction of a link: lost while cut when sent or when due, else as its conditions say. */
  private through(link: Link, seed: number): MonoTypeOperatorFunction<Datagram> {
    const open = filter<Datagram>(() => !link.cut);
    if (link.conditions === undefined) return open;
    return pipe(open, simulateNetwork({ ...link.conditions, seed }, this.scheduler), open);
  }
}

/** A 32-bit seed for direction `direction` of link `index`, from the world's `seed`. */
function mix(seed: number, index: number, direction: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + 2 * index + direction) >>> 0;
}

/** A number for a client's name, the same on every run: FNV-1a of its UTF-16 units. */
function nameNumber(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
