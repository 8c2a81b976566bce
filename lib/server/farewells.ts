import { sameBytes } from '../protocol/rxgaseDecode';

/** Farewells remembered, at most: the latest, one to an address. */
const FAREWELLS_KEPT = 1024;

/**
 * The sessions the server closed for their client's farewell, by the client's address key, so
 * that the farewell's later CLOSEs (a client says it twice, and again until answered) are known
 * for what they are: answered again, and counted as the control traffic they are, not refused as
 * a stranger's. The latest {@link FAREWELLS_KEPT} are kept, one to an address; no timer.
 */
export class Farewells {
  private readonly closed = new Map<string, Uint8Array>();

  /** The client at `key` said farewell for `session`. */
  said(key: string, session: Uint8Array): void {
    this.closed.delete(key);
    this.closed.set(key, session);
    if (this.closed.size > FAREWELLS_KEPT) {
      this.closed.delete(this.closed.keys().next().value as string);
    }
  }

  /** Whether `token` names the session the client at `key` last said farewell for. */
  saidBefore(key: string, token: Uint8Array): boolean {
    const session = this.closed.get(key);
    return session !== undefined && sameBytes(session, token);
  }
}
