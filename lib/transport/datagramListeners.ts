import { Observable } from 'rxjs';
import type { Subscriber } from 'rxjs';
import type { Datagram } from './datagram';

/**
 * Those who listen to a socket's datagrams. The socket's one listener hands each datagram to every
 * subscriber: what `share` would do, without a Subject's hop for each datagram a server takes. The
 * list is replaced, not changed, as subscribers come and go: a datagram goes to those listening as
 * it came, not to one that subscribes while it is handed out.
 */
export class DatagramListeners {
  /** Those listening now. Read it once for each datagram, and hand the datagram to each. */
  current: readonly Subscriber<Datagram>[] = [];

  /** What subscribers get; one that subscribes once `closed()` says so completes at once. */
  readonly datagrams$: Observable<Datagram>;

  /** @param closed Whether the socket is closed, or closing. */
  constructor(closed: () => boolean) {
    this.datagrams$ = new Observable<Datagram>((subscriber) => {
      if (closed()) {
        subscriber.complete();
        return undefined;
      }
      this.current = [...this.current, subscriber];
      return () => {
        this.current = this.current.filter((listener) => listener !== subscriber);
      };
    });
  }

  /** Completes those listening, as the socket closes. */
  complete(): void {
    const current = this.current;
    this.current = [];
    for (const listener of current) listener.complete();
  }
}
