import { SEQUENCE_OFFSET } from '../protocol/constants';
import type { GameEvent } from '../protocol/packages';

/** How many events a PyGaSe client's connection holds until the client is verified. */
export const MAX_HELD_EVENTS = 1024;

/**
 * How many times the bytes that came from an unverified address the server may send it: QUIC's
 * three (RFC 9000, 8.1). At one, a client joining a game whose state grows faster than its own
 * packages (some 800 bytes a second) was never sent a whole state, and so never verified.
 */
export const AMPLIFICATION_LIMIT = 3;

/** How many of the sequence numbers sent to an unverified client are remembered. */
const REMEMBERED_SEQUENCES = 64;

/** What a PyGaSe client's ack shows: it got a package sent to it, nothing yet, or a forgery. */
export type AckVerdict = 'verified' | 'none yet' | 'never sent';

/**
 * What a server keeps for a PyGaSe client until the client shows that its address is its own by
 * acking a package the server did send there (its packages carry no token, so anyone can send
 * them in another's name): the bytes sent to it, never more than three times what it sent; the
 * sequence numbers of what went out, which start at random; and the events it sent, handled only
 * once it is verified. A stranger spoofing a PyGaSe client's packages thus gets no more than three
 * times the bytes it sent to the address it names, and its events are never handled; a guessed
 * ack that misses ends it.
 */
export class AddressCheck {
  private sentBytes = 0;
  private readonly sequences = new Set<number>();
  private held: GameEvent[] = [];
  private overflow = 0;

  /**
   * Whether a package must not go out: with it, more bytes would have gone to the address than
   * three times the `received` that came from it. If it may, its sequence number is remembered.
   */
  withholds(datagram: Uint8Array, received: number): boolean {
    if (this.sentBytes + datagram.length > AMPLIFICATION_LIMIT * received) return true;
    this.sentBytes += datagram.length;
    const sequence = new DataView(datagram.buffer, datagram.byteOffset).getUint16(SEQUENCE_OFFSET);
    this.sequences.add(sequence);
    if (this.sequences.size > REMEMBERED_SEQUENCES) {
      this.sequences.delete(this.sequences.values().next().value as number);
    }
    return false;
  }

  /**
   * What the `ack` of a package from the client shows. Only the ack itself counts, not the
   * bitfield, which would let one forged package try 33 numbers.
   */
  judge(ack: number): AckVerdict {
    if (ack === 0) return 'none yet';
    return this.sequences.has(ack) ? 'verified' : 'never sent';
  }

  /** Keeps an event until the client is verified; past {@link MAX_HELD_EVENTS}, drops it. */
  hold(event: GameEvent): void {
    if (this.held.length < MAX_HELD_EVENTS) this.held.push(event);
    else this.overflow++;
  }

  /** The events held, in order, and how many were dropped; forgets them. */
  release(): { readonly events: readonly GameEvent[]; readonly dropped: number } {
    const released = { events: this.held, dropped: this.overflow };
    this.held = [];
    this.overflow = 0;
    return released;
  }
}
