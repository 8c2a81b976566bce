import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { InvalidArgumentError } from '../protocol/errors';
import { MAX_TICKET_SIZE } from '../protocol/rxgaseConstants';
import { TicketKind } from '../protocol/tickets';
import type { Address } from '../transport/datagram';

/*
 * Connect tokens, as netcode.io's: a matchmaker gives a client a token for one room of one server,
 * signed with a secret the matchmaker and the game servers share, expiring in seconds; the game
 * server takes a handshake only with a valid one, and each token once. The ticket of a token:
 *
 *   u8 2 (TicketKind.Token)
 *   u8 n, n bytes   room id, UTF-8
 *   u8 n, n bytes   server host, UTF-8, then u16 server port
 *   u8 n, n bytes   client id (who the matchmaker's auth said the player is), UTF-8
 *   f64 expires     ms since the epoch (the schedulers' clock)
 *   8 bytes         token id, random: each token is taken once
 *   32 bytes        HMAC-SHA256 with the secret of everything before it
 */

/** How long a connect token lasts, unless the options say: 10 s. */
export const DEFAULT_TOKEN_TTL_MS = 10_000;

const MAC_SIZE = 32;
const ID_SIZE = 8;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

/** What a connect token says. */
export interface ConnectToken {
  readonly roomId: string;
  readonly server: Address;
  readonly clientId: string;
  readonly expires: number;
  /** Hex: each token is taken once. */
  readonly tokenId: string;
}

/** Signs and checks connect tokens with one secret. */
export class ConnectTokens {
  private readonly secret: Buffer;

  /** @throws {@link InvalidArgumentError} If the secret is shorter than 16 bytes. */
  constructor(secret: string | Uint8Array) {
    this.secret = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
    if (this.secret.length < 16) {
      throw new InvalidArgumentError('a connect token secret has at least 16 bytes');
    }
  }

  /**
   * The ticket of a token for `clientId` into room `roomId` of `server`, expiring at `expires`.
   *
   * @throws {@link InvalidArgumentError} If the ids and host do not fit a ticket's 255 bytes.
   */
  sign(token: Omit<ConnectToken, 'tokenId'>): Uint8Array {
    const parts = [token.roomId, token.server.host, token.clientId].map((text) =>
      utf8.encode(text),
    );
    const [room, host, client] = parts as [Uint8Array, Uint8Array, Uint8Array];
    const size = 1 + 1 + room.length + 1 + host.length + 2 + 1 + client.length + 8 + ID_SIZE;
    if (size + MAC_SIZE > MAX_TICKET_SIZE || parts.some((part) => part.length > 255)) {
      throw new InvalidArgumentError(
        `a connect token's room id, host and client id take at most ${MAX_TICKET_SIZE - 56} bytes in all`,
      );
    }
    const ticket = new Uint8Array(size + MAC_SIZE);
    const view = new DataView(ticket.buffer);
    let at = 0;
    ticket[at++] = TicketKind.Token;
    const text = (bytes: Uint8Array): void => {
      ticket[at++] = bytes.length;
      ticket.set(bytes, at);
      at += bytes.length;
    };
    text(room);
    text(host);
    view.setUint16(at, token.server.port);
    at += 2;
    text(client);
    view.setFloat64(at, token.expires);
    at += 8;
    ticket.set(randomBytes(ID_SIZE), at);
    at += ID_SIZE;
    ticket.set(this.mac(ticket.subarray(0, at)), at);
    return ticket;
  }

  /** What a ticket's token says, if this secret signed it; undefined if not, or not a token. */
  verify(ticket: Uint8Array): ConnectToken | undefined {
    if (ticket[0] !== TicketKind.Token || ticket.length < 1 + 3 + 2 + 1 + 8 + ID_SIZE + MAC_SIZE) {
      return undefined;
    }
    const signed = ticket.subarray(0, ticket.length - MAC_SIZE);
    const mac = ticket.subarray(ticket.length - MAC_SIZE);
    if (!timingSafeEqual(this.mac(signed), mac)) return undefined;
    // Signed by us: the layout is ours, but read with care all the same.
    try {
      const view = new DataView(signed.buffer, signed.byteOffset, signed.byteLength);
      let at = 1;
      const text = (): string => {
        const length = signed[at++] as number;
        const value = fromUtf8.decode(signed.subarray(at, at + length));
        at += length;
        return value;
      };
      const roomId = text();
      const host = text();
      const port = view.getUint16(at);
      at += 2;
      const clientId = text();
      const expires = view.getFloat64(at);
      at += 8;
      const tokenId = Buffer.from(signed.subarray(at, at + ID_SIZE)).toString('hex');
      return { roomId, server: { host, port }, clientId, expires, tokenId };
    } catch {
      return undefined;
    }
  }

  private mac(bytes: Uint8Array): Buffer {
    return createHmac('sha256', this.secret).update(bytes).digest();
  }
}

/**
 * The tokens taken, each by the address that presented it, until it expires: a token may be
 * presented again from its address (a connect request sent again) until its handshake is done,
 * never from another, and never once spent.
 */
export class TakenTokens {
  private readonly taken = new Map<string, { address: string; expires: number; spent: boolean }>();

  /** Whether the token may be taken from `address` now; if so it is, from there. */
  take(token: ConnectToken, address: string, now: number): boolean {
    this.forgetExpired(now);
    const known = this.taken.get(token.tokenId);
    if (known !== undefined) return known.address === address && !known.spent;
    this.taken.set(token.tokenId, { address, expires: token.expires, spent: false });
    return true;
  }

  /** The handshake of the token presented from `address` is done: it is spent. */
  spend(address: string): void {
    for (const entry of this.taken.values()) if (entry.address === address) entry.spent = true;
  }

  private forgetExpired(now: number): void {
    for (const [id, entry] of this.taken) if (entry.expires < now) this.taken.delete(id);
  }
}
