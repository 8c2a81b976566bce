import type { SchedulerLike, Subscription } from 'rxjs';
import type { ClientEntry } from './clientConnection';

/** A client whose link dropped, held for its reconnection. */
export interface HeldClient {
  /** Its address key when it dropped. */
  readonly key: string;
  /** Its entry, with the dropped connection that keeps its events. */
  readonly entry: ClientEntry;
}

/**
 * The rxgase clients whose link dropped, by session token, each held for the server's
 * `reconnectGraceMs`: a client that reconnects within it takes its session up again (see
 * {@link take}); one that does not is `expired`, on the server's scheduler.
 */
export class HeldSessions {
  private readonly held = new Map<string, HeldClient & { readonly expiry: Subscription }>();

  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly graceMs: number,
    private readonly expired: (held: HeldClient) => void,
  ) {}

  /** How many clients are held. */
  get size(): number {
    return this.held.size;
  }

  /** Holds a client whose connection dropped, with the session its handshake settled. */
  hold(key: string, entry: ClientEntry, session: Uint8Array): void {
    const id = tokenKey(session);
    const expiry = this.scheduler.schedule(() => {
      if (this.held.get(id)?.entry !== entry) return;
      this.held.delete(id);
      this.expired({ key, entry });
    }, this.graceMs);
    this.held.set(id, { key, entry, expiry });
  }

  /** Whether the session is held. */
  has(session: Uint8Array): boolean {
    return this.held.has(tokenKey(session));
  }

  /** The client of a held session, still held. */
  get(session: Uint8Array): HeldClient | undefined {
    return this.held.get(tokenKey(session));
  }

  /** The client of a held session, no longer held: it reconnected. */
  take(session: Uint8Array): HeldClient | undefined {
    const id = tokenKey(session);
    const held = this.held.get(id);
    if (held === undefined) return undefined;
    held.expiry.unsubscribe();
    this.held.delete(id);
    return held;
  }

  /** Every client held now. */
  all(): HeldClient[] {
    return [...this.held.values()];
  }

  /** The client held that was at `key` when it dropped, if any. */
  at(key: string): HeldClient | undefined {
    for (const held of this.held.values()) if (held.key === key) return held;
    return undefined;
  }

  /** The client held that was at `key` when it dropped, no longer held. */
  takeByKey(key: string): HeldClient | undefined {
    const held = this.at(key);
    return held?.entry.handshake === undefined
      ? undefined
      : this.take(held.entry.handshake.session);
  }

  /** Every client held, no longer held: the server shuts down. */
  takeAll(): HeldClient[] {
    const all = [...this.held.values()];
    for (const { expiry } of all) expiry.unsubscribe();
    this.held.clear();
    return all;
  }
}

/** A token (a session's, a resume token) as a map key. */
export function tokenKey(token: Uint8Array): string {
  return Buffer.from(token.buffer, token.byteOffset, token.byteLength).toString('hex');
}
