import { concat, defer, from } from 'rxjs';
import type { Observable, Subscription } from 'rxjs';
import type { Address, Datagram, Transport } from '../transport/datagram';

/**
 * A client's transport that keeps what comes in between its handshake's accept and its
 * connection subscribing, and hands it to the connection first.
 *
 * The server sends its first packages (a room's welcome event among them) right behind its
 * accept, and the client attaches its connection only once the handshake's promise settles. A
 * socket that reads datagrams in batches (rxgase's native one: up to 32 in one call, with no
 * promise settling between them) handed those packages on before anyone listened for them, and
 * they were lost. From {@link hold} until {@link release}, each subscriber to `datagrams$` gets
 * what was held, then what comes.
 */
export class HeldTransport implements Transport {
  readonly datagrams$: Observable<Datagram>;
  readonly closed$?: Observable<Address>;
  readonly errors$?: Observable<Error>;
  private held: Datagram[] = [];
  private holding: Subscription | undefined;
  private released = false;

  /** @param source The transport beneath, whose datagrams the handshake reads as they come. */
  constructor(readonly source: Transport) {
    this.datagrams$ = defer(() =>
      this.released ? source.datagrams$ : concat(from(this.held.slice()), source.datagrams$),
    );
    if (source.closed$ !== undefined) this.closed$ = source.closed$;
    if (source.errors$ !== undefined) this.errors$ = source.errors$;
  }

  get address(): Address {
    return this.source.address;
  }

  send(datagram: Datagram): void {
    this.source.send(datagram);
  }

  close(): void {
    this.release();
    this.source.close();
  }

  /** Starts keeping what comes in (the handshake's accept came). */
  hold(): void {
    if (this.released || this.holding !== undefined) return;
    this.holding = this.source.datagrams$.subscribe((datagram) => this.held.push(datagram));
  }

  /** Stops keeping: those subscribed have had what was held, and later ones get what comes. */
  release(): void {
    this.released = true;
    this.holding?.unsubscribe();
    this.held = [];
  }
}
