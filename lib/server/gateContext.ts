import type { SchedulerLike } from 'rxjs';
import type { GameState } from '../state/gameState';
import type { Address, Datagram } from '../transport/datagram';
import type { Logger } from '../util/logger';
import type { ClientRegistry } from './clientRegistry';
import type { Cookies } from './cookies';
import type { Farewells } from './farewells';
import type { RateLimit } from './rateLimiter';
import type { GateCounts } from './serverStats';

/**
 * A datagram the gate lets through: to its client's connection, or, with `opens`, opening one.
 * What goes to a connection is the transport's own datagram, passed on as it came.
 */
export interface Admitted extends Datagram {
  /** What the new client's connection starts from; absent for a client already connected. */
  readonly opens?: Opening;
}

/** How a client's connection starts: its first package, or the rxgase handshake it passed. */
export interface Opening {
  /** The `time_order` of a PyGaSe client's first package; 0 for an rxgase client. */
  readonly timeOrder: number;
  /** The nonce of an rxgase client's handshake; the datagram that opens it is not for the connection. */
  readonly nonce?: Uint8Array;
  /** The session an rxgase client takes up again, whose link dropped. */
  readonly resumes?: Uint8Array;
}

/** What the gate needs of its server. */
export interface GateContext<S extends GameState<object>> {
  readonly clients: ClientRegistry<S>;
  readonly cookies: Cookies;
  readonly counts: GateCounts;
  readonly scheduler: SchedulerLike;
  readonly logger: Logger;
  readonly legacyClients: boolean;
  /** How many new PyGaSe clients a second, all addresses together; false: no limit. */
  readonly legacyJoinsPerSecond: number | false;
  readonly rateLimit: RateLimit | false | undefined;
  /** Whether the host may shut the server down; false: every shutdown request is refused. */
  readonly remoteShutdown: boolean;
  /** Sends a datagram to an address. */
  readonly send: (data: Uint8Array, to: Address) => void;
  /** The sessions closed by a farewell: the server's, kept across its runs. */
  readonly farewells: Farewells;
  /**
   * Held while a datagram is taken, and all it sets off: its connection's clock reads, its
   * session budget's, its acks' and its silence timer's, are one (see `TimerWheel.hold`).
   */
  readonly clock?: { hold(): void; release(): void };
  /** Shuts the server down: its host asked. */
  readonly shutdown: () => void;
}
