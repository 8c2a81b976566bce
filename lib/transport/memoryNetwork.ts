import { Subject, asyncScheduler } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import type { Address, Datagram, Transport } from './datagram';
import { addressKey } from './datagram';

/**
 * A network in memory: endpoints with addresses that send each other datagrams, delivered on a
 * scheduler. Under a `TestScheduler` two peers talk in virtual time; add `simulateNetwork` to make
 * the link lossy.
 *
 * ## Example
 * ```ts
 * const network = new MemoryNetwork(scheduler);
 * const server = network.bind({ host: 'server', port: 1 });
 * const client = network.bind({ host: 'client' });
 * server.datagrams$.subscribe(({ data, address }) => server.send({ data, address })); // echo
 * client.send({ data: Uint8Array.of(1), address: server.address });
 * ```
 *
 * @category Testing
 */
export class MemoryNetwork {
  private readonly endpoints = new Map<string, Subject<Datagram>>();
  private nextPort = 49152;

  /** @param scheduler When datagrams are delivered: at once, on this scheduler. */
  constructor(private readonly scheduler: SchedulerLike = asyncScheduler) {}

  /**
   * Adds an endpoint at `host` (default `memory`) and `port` (default: the next free one), with
   * `scheme` if given, to stand for a WebSocket peer.
   *
   * @throws `Error` If the address is taken.
   */
  bind(where: Partial<Address> = {}): Transport {
    const address: Address = {
      host: where.host ?? 'memory',
      port: where.port ?? this.freePort(),
      ...(where.scheme !== undefined && { scheme: where.scheme }),
    };
    const key = addressKey(address);
    if (this.endpoints.has(key)) throw new Error(`the address ${key} is taken`);
    const inbox = new Subject<Datagram>();
    this.endpoints.set(key, inbox);
    return {
      datagrams$: inbox.asObservable(),
      address,
      send: ({ data, address: to }) => {
        if (this.endpoints.get(key) !== inbox) return; // closed, whoever holds the address now
        // A copy, as a real network makes: the sender may reuse its buffer.
        const copy = new Uint8Array(data);
        this.scheduler.schedule(() =>
          this.endpoints.get(addressKey(to))?.next({ data: copy, address }),
        );
      },
      close: () => {
        if (this.endpoints.get(key) !== inbox) return;
        this.endpoints.delete(key);
        inbox.complete();
      },
    };
  }

  private freePort(): number {
    while (this.endpoints.has(addressKey({ host: 'memory', port: this.nextPort }))) this.nextPort++;
    return this.nextPort++;
  }
}
