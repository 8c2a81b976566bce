import type { PackageWatcher } from '../connection/connection';
import type { Framed } from '../connection/framing';
import type { Received } from '../operators/trackReceived';
import { StateTooLargeError } from '../protocol/errors';
import type { ClientPackage } from '../protocol/packages';
import type { GameState } from '../state/gameState';
import type { Route } from '../transport/datagram';
import { AddressCheck } from './addressCheck';
import type {
  ClientConnection,
  ClientContext,
  ClientEntry,
  ClientHooks,
  NewClient,
} from './clientConnection';
import type { PackagesClient } from './serverPackages';
import { StateWatch, UNSENDABLE_STATE_GRACE_MS } from './stateWatch';
import type { Unsendable } from './stateWatch';

/**
 * What a client's connection and its package codec ask of the server for each package, held in
 * one object whose methods are on its prototype: the `time_order` the client reported (which it
 * takes from each package, as the connection's package watcher), whether an unverified PyGaSe
 * client's ack shows its address, whether its packages carry its state, and where a datagram to
 * it goes. A server sends each client 40
 * packages a second; closures for these would be an object and a scope apart each, among
 * thousands of connections, for the processor to wait for.
 */
export class ClientLink<S extends GameState<object>>
  implements PackagesClient, PackageWatcher<ClientPackage>
{
  /** The `time_order` of the client's last package taken in order. */
  reported: number;
  /** The client's entry, once made. */
  entry: ClientEntry | undefined;
  /**
   * Until a PyGaSe client acks a package sent to it, it gets no more bytes than it sent: its
   * address may be spoofed. A random first sequence number makes the ack hard to guess.
   */
  readonly guard: AddressCheck | undefined;
  /** Whether the client may not be verified yet: each package asks its entry until it is. */
  private unverified: boolean;
  /** Whether the last package could not carry the state: the watch hears when one does again. */
  private unsendable = false;
  private readonly watch: StateWatch;
  private readonly route: Route;
  private readonly key: string;

  constructor(
    private readonly context: ClientContext<S>,
    client: NewClient,
    private readonly connection: () => ClientConnection,
    private readonly judge: ClientHooks['judge'],
  ) {
    this.reported = client.timeOrder;
    this.route = context.route(client.address);
    this.key = client.key;
    this.guard = client.handshake === undefined ? new AddressCheck() : undefined;
    this.unverified = this.guard !== undefined;
    this.watch = watchState(context, client, connection);
  }

  /**
   * A package the client sent, new: its `time_order` unless it came late, and, before its events
   * are handled, what its ack shows of an unverified client. What fails here ends the client.
   */
  took({ package: pkg, late }: Received<Framed<ClientPackage>>): void {
    try {
      if (!late) this.reported = pkg.timeOrder;
      const { guard, entry } = this;
      if (this.unverified && guard !== undefined && entry !== undefined) {
        if (entry.verified) this.unverified = false;
        else this.judge(entry, guard.judge(pkg.header.ack));
      }
    } catch (error) {
      this.context.logger.error(
        `Closing the connection to ${this.key}: taking its package failed.`,
        error,
      );
      this.connection().close('error');
    }
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
    if (this.unverified && guard !== undefined) {
      // Once verified, for good: its packages no longer reach for the entry.
      if (this.entry?.verified === true) this.unverified = false;
      else if (guard.withholds(data, this.connection().stats.bytesIn)) {
        context.counts.withheld++;
        return;
      }
    }
    this.route.send(data);
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
