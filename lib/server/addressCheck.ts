import type { GameEvent } from '../protocol/packages';

/** How many events a PyGaSe client's connection holds until the client is verified. */
export const MAX_HELD_EVENTS = 1024;

/**
 * What a server keeps for a PyGaSe client until the client shows that its address is its own by
 * acking a package (its packages carry no token, so anyone can send them in another's name): the
 * bytes sent to it, never more than it sent, and the events it sent, handled only once it is
 * verified. A stranger spoofing a PyGaSe client's packages thus gets no more bytes than it sent
 * to the address it names, and its events are never handled.
 */
export class AddressCheck {
  private sent = 0;
  private held: GameEvent[] = [];
  private overflow = 0;

  /**
   * Whether a datagram of `size` bytes must not go out: with it, more bytes would have gone to
   * the address than the `received` that came from it. If it may, it counts as sent.
   */
  withholds(size: number, received: number): boolean {
    if (this.sent + size > received) return true;
    this.sent += size;
    return false;
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
