import { Subject, asyncScheduler, share } from 'rxjs';
import type { Observable, SchedulerLike } from 'rxjs';
import type { Datagram, Transport } from './datagram';
import { simulateNetwork } from './simulateNetwork';
import type { NetworkConditions } from './simulateNetwork';

/**
 * A real transport behind a simulated bad network, both ways: what it receives and what it sends
 * pass {@link simulateNetwork} with the conditions `conditions$` gave last, which may change while
 * it runs (a datagram on its way when they change keeps the fate it met).
 * For trying a game at the latency, jitter and loss players will have, on a machine where the
 * network has none: the web demo's page lets you set them.
 *
 * ## Example
 * ```ts
 * const conditions$ = new BehaviorSubject<NetworkConditions>({ latencyMs: 50, loss: 0.05 });
 * const client = new Client({
 *   bind: async () => simulatedTransport(webSocketClientTransport(), conditions$),
 * });
 * conditions$.next({ latencyMs: 150, jitterMs: 30 }); // worse, from now on
 * ```
 *
 * @param transport The real transport, which the simulated one closes with itself.
 * @param conditions$ The conditions, each way; until its first, datagrams pass as they are.
 * @param scheduler Where the delays are timed; default `asyncScheduler`.
 *
 * @category Testing
 */
export function simulatedTransport(
  transport: Transport,
  conditions$: Observable<NetworkConditions>,
  scheduler: SchedulerLike = asyncScheduler,
): Transport {
  const outgoing = new Subject<Datagram>();
  // Closed, the transport still delivers what is on its way, as a network does (a client's
  // farewell), and closes the real one after it.
  outgoing.pipe(simulateNetwork(conditions$, scheduler)).subscribe({
    next: (datagram) => transport.send(datagram),
    complete: () => transport.close(),
    error: () => transport.close(),
  });
  return {
    // One simulation, whoever listens: each datagram's fate is the same for all.
    datagrams$: transport.datagrams$.pipe(simulateNetwork(conditions$, scheduler), share()),
    ...(transport.closed$ !== undefined && { closed$: transport.closed$ }),
    ...(transport.errors$ !== undefined && { errors$: transport.errors$ }),
    address: transport.address,
    send: (datagram) => outgoing.next(datagram),
    close: () => outgoing.complete(),
  };
}
