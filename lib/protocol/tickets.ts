import { InvalidArgumentError, MalformedPayloadError } from './errors';
import { MAX_TICKET_SIZE, TOKEN_SIZE } from './rxgaseConstants';

/*
 * Tickets: what a client's connect request carries so that a server of rooms knows which room it
 * joins. A ticket is a kind byte and what that kind holds:
 *
 *   1  ROOM    the room's id, UTF-8
 *   2  TOKEN   a connect token a matchmaker signed (see the room server's `connectTokens.ts`)
 *   3  RESUME  the token of a session whose link dropped, which the client takes up again
 */

/** A ticket's kinds. */
export const TicketKind = { Room: 1, Token: 2, Resume: 3 } as const;

/** The longest room id, in bytes of UTF-8: a ticket of a room is its kind and its id. */
export const MAX_ROOM_ID_SIZE = MAX_TICKET_SIZE - 1;

/**
 * A seat in a room: where its server is and the ticket that lets a client in. A `RoomServer`
 * gives one from `joinOrCreate`, `create` or `join`; `Client.join` takes it. It is plain JSON, so
 * a matchmaker can hand it over HTTP.
 *
 * @category Rooms
 */
export interface Reservation {
  /** The room's id. */
  readonly roomId: string;
  /** The server that hosts the room: an `Address`. */
  readonly address: { readonly host: string; readonly port: number };
  /**
   * Where the same server takes WebSocket clients (browsers), if it does: a client whose
   * transport is a WebSocket joins there.
   */
  readonly webSocket?: { readonly host: string; readonly port: number };
  /** The ticket the client's connect request carries, base64url. */
  readonly ticket: string;
}

/**
 * The options a room is created with: plain data, from `create` or `joinOrCreate` (over HTTP
 * too), given to the room type's `initialState` and `metadata`.
 *
 * @category Rooms
 */
export type RoomOptions = Readonly<Record<string, unknown>>;

/**
 * A room as a listing shows it.
 *
 * @category Rooms
 */
export interface RoomInfo {
  readonly roomId: string;
  readonly type: string;
  /** Clients connected now. */
  readonly clients: number;
  readonly maxClients: number;
  /** Seats given out (reservations) not taken yet. */
  readonly reserved: number;
  readonly metadata: Readonly<Record<string, unknown>>;
}

const utf8 = new TextEncoder();

/** The ticket of a client resuming the session `session`, whose link dropped. */
export function resumeTicket(session: Uint8Array): Uint8Array {
  const ticket = new Uint8Array(1 + session.length);
  ticket[0] = TicketKind.Resume;
  ticket.set(session, 1);
  return ticket;
}

/** The session a resume ticket names; undefined if it is no resume ticket. */
export function resumedSession(ticket: Uint8Array): Uint8Array | undefined {
  return ticket[0] === TicketKind.Resume && ticket.length === 1 + TOKEN_SIZE
    ? ticket.subarray(1)
    : undefined;
}
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The ticket of room `roomId`. @throws {@link InvalidArgumentError} If the id is too long. */
export function roomTicket(roomId: string): Uint8Array {
  const id = utf8.encode(roomId);
  if (id.length === 0 || id.length > MAX_ROOM_ID_SIZE) {
    throw new InvalidArgumentError(
      `a room id has 1 to ${MAX_ROOM_ID_SIZE} bytes of UTF-8, ${JSON.stringify(roomId)} ${id.length}`,
    );
  }
  const ticket = new Uint8Array(1 + id.length);
  ticket[0] = TicketKind.Room;
  ticket.set(id, 1);
  return ticket;
}

/**
 * What a ticket says: the room it names.
 *
 * @throws {@link MalformedPayloadError} If it is not a ticket of a kind this peer knows.
 */
export function readTicket(ticket: Uint8Array): { readonly roomId: string } {
  if (ticket[0] !== TicketKind.Room || ticket.length < 2) {
    throw new MalformedPayloadError(`a ticket of unknown kind ${ticket[0] ?? 'none'}`);
  }
  try {
    return { roomId: fromUtf8.decode(ticket.subarray(1)) };
  } catch {
    throw new MalformedPayloadError("a room ticket's id is not UTF-8");
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const VALUES = new Map([...ALPHABET].map((char, i) => [char, i]));

/** Bytes as base64url, without padding: for a ticket in JSON. */
export function ticketText(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const chunk = ((bytes[i] as number) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let c = 0; c < chars; c++) text += ALPHABET[(chunk >> (18 - 6 * c)) & 63];
  }
  return text;
}

/**
 * The bytes of a ticket written by {@link ticketText}.
 *
 * @throws {@link InvalidArgumentError} If it is not base64url of 1 to 255 bytes.
 */
export function ticketBytes(text: string): Uint8Array {
  if (typeof text !== 'string' || text.length % 4 === 1) {
    throw new InvalidArgumentError('a ticket must be the base64url string a reservation gives');
  }
  const bytes = new Uint8Array(Math.floor((text.length * 6) / 8));
  if (bytes.length === 0 || bytes.length > MAX_TICKET_SIZE) {
    throw new InvalidArgumentError(`a ticket has 1 to ${MAX_TICKET_SIZE} bytes`);
  }
  let bits = 0;
  let value = 0;
  let at = 0;
  for (const char of text) {
    const digit = VALUES.get(char);
    if (digit === undefined) {
      throw new InvalidArgumentError(`a ticket is base64url; it holds ${JSON.stringify(char)}`);
    }
    value = ((value << 6) | digit) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[at++] = (value >> bits) & 0xff;
    }
  }
  return bytes;
}
