import type { Logger } from '../util/logger';
import { encodeClose } from '../protocol/rxgasePackets';
import type { CloseReason } from '../protocol/rxgasePackets';
import type { Address } from '../transport/datagram';
import { addressKey } from '../transport/datagram';
import { RateLimiter } from './rateLimiter';
import type { GateCounts } from './serverStats';

/**
 * How many `unknown session` closes a server sends a second, to all addresses together; twice as
 * many may go at once. Each client of a session that ended needs one: it sends 40 packages a
 * second, so one that misses its turn is told a moment later.
 */
export const UNKNOWN_SESSION_CLOSES_PER_SECOND = 50;

/** What telling needs of its server. */
export interface UnknownSessionsContext {
  readonly counts: GateCounts;
  readonly logger: Logger;
  /** Sends a datagram to an address. */
  readonly send: (data: Uint8Array, to: Address) => void;
}

/**
 * Tells the sender of an rxgase packet with a session token the server does not know (its session
 * ended, or the server restarted) that its session is unknown, so its client closes at once
 * instead of waiting 5 s for a timeout.
 *
 * The close carries the token it answers, so only who knows the token can make a client close
 * with it, and it is never larger than the packet it answers. The closes of a server share one
 * token bucket, not one per address: spoofed packets in a victim's name, from however many
 * addresses, get no more than 50 closes a second in all.
 *
 * ## Example
 * ```ts
 * const unknown = new UnknownSessions({ counts, logger, send });
 * unknown.tell(packet.session, data.length, address, scheduler.now());
 * ```
 */
export class UnknownSessions {
  private readonly budget = new RateLimiter({
    datagramsPerSecond: UNKNOWN_SESSION_CLOSES_PER_SECOND,
    burst: 2 * UNKNOWN_SESSION_CLOSES_PER_SECOND,
    maxAddresses: 1,
  });

  constructor(private readonly context: UnknownSessionsContext) {}

  /**
   * Counts a packet of `size` bytes from `address` whose session `token` the server does not
   * know, and answers it with a close of that token if the close is no larger and the budget
   * allows: `unknown session`, or `dropped` for a session held for its client's reconnection
   * (the client comes back through the handshake).
   */
  tell(
    token: Uint8Array,
    size: number,
    address: Address,
    nowMs: number,
    reason: CloseReason = 'unknown session',
  ): void {
    const { counts, logger, send } = this.context;
    counts.unknownSessions++;
    const close = encodeClose(token, reason);
    if (close.length > size || !this.budget.allow('all', nowMs)) return;
    counts.unknownSessionCloses++;
    logger.debug(`Told ${addressKey(address)} its session is unknown.`);
    send(close, address);
  }
}
