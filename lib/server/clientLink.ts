import { StateTooLargeError } from '../protocol/errors';
import type { GameState } from '../state/gameState';
import type { Address } from '../transport/datagram';
import { AddressCheck } from './addressCheck';
import type { ClientConnection, ClientContext, ClientEntry, NewClient } from './clientConnection';
import type { PackagesClient } from './serverPackages';
import { StateWatch, UNSENDABLE_STATE_GRACE_MS } from './stateWatch';
import type { Unsendable } from './stateWatch';

/**
 * What a client's connection and its package codec ask of the server for each package, held in
 * one object whose methods are on its prototype: the `time_order` the client reported, whether
 * its packages carry its state, and where a datagram to it goes. A server sends each client 40
 * packages a second; closures for these would be an object and a scope apart each, among
 * thousands of connections, for the processor to wait for.
 */
export class ClientLink<S extends GameState<object>> implements PackagesClient {
  /** The `time_order` of the client's last package taken in order. */
  reported: number;
  /** The client's entry, once made. */
  entry: ClientEntry | undefined;
  /**
   * Until a PyGaSe client acks a package sent to it, it gets no more bytes than it sent: its
   * address may be spoofed. A random first sequence number makes the ack hard to guess.
   */
  readonly guard: AddressCheck | undefined;
  /** Whether the last package could not carry the state: the watch hears when one does again. */
  private unsendable = false;
  private readonly watch: StateWatch;
  private readonly address: Address;

  constructor(
    private readonly context: ClientContext<S>,
    client: NewClient,
    private readonly connection: () => ClientConnection,
  ) {
    this.reported = client.timeOrder;
    this.address = client.address;
    this.guard = client.handshake === undefined ? new AddressCheck() : undefined;
    this.watch = watchState(context, client, connection);
  }

  timeOrder(): number {
    return this.reported;
  }

  sent(): void {
    if (!this.unsendable) return;
    this.unsendable = false;
    this.watch.sent();
  }

  failed(unsendable: Unsendable): void {
    this.unsendable = true;
    this.watch.failed(unsendable);
  }

  /** Sends a datagram to the client, unless it is withheld until the client is verified. */
  send(data: Uint8Array): void {
    const { guard, context } = this;
    if (
      guard !== undefined &&
      this.entry?.verified !== true &&
      guard.withholds(data, this.connection().stats.bytesIn)
    ) {
      context.counts.withheld++;
      return;
    }
    context.send(data, this.address);
  }
}

/**
 * Watches whether the client's packages carry its state: the first failure of each kind is an
 * ERROR in the log and on the server's `errors$`; a state unsendable for a second closes the
 * connection, with the reason `state too large` (told to an rxgase client; a PyGaSe client has no
 * word for it and is dropped).
 */
function watchState<S extends GameState<object>>(
  context: ClientContext<S>,
  { address, key, handshake }: NewClient,
  connection: () => ClientConnection,
): StateWatch {
  const protocol = handshake === undefined ? 'PyGaSe' : 'rxgase';
  return new StateWatch(context.scheduler, {
    firstTime: (cause) => context.reported.firstTime(key, cause),
    report: (error) => {
      context.logger.error(
        `Cannot send ${protocol} client ${key} its game state: ${error.message}. Its connection closes if this lasts ${UNSENDABLE_STATE_GRACE_MS} ms.`,
      );
      context.unsendable(error, address);
    },
    giveUp: (error) => {
      context.counts.unsendableClosed++;
      // A PyGaSe client comes back with its next package, to be dropped again: told of once.
      if (handshake === undefined && context.reported.firstTime(key, 'dropped')) {
        context.logger.warn(
          `Dropped PyGaSe client ${key}: its game state stayed unsendable for ${UNSENDABLE_STATE_GRACE_MS} ms (${error.message}).`,
        );
      }
      connection().close(error instanceof StateTooLargeError ? 'state too large' : 'error');
    },
  });
}
