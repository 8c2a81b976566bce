/**
 * The rxgase protocol: what rxgase peers add to PyGaSe's, under a protocol id of their own so a
 * PyGaSe peer never sees it. Every packet starts with that id and a kind:
 *
 * ```text
 *  offset  size  field
 *       0     4  protocol id  ff d0 fa ba
 *       4     1  kind
 * ```
 *
 * then, by kind (a token is 8 random bytes; a cookie is 20 bytes, see the server's cookies):
 *
 * ```text
 *  CONNECT_REQUEST     u16 version, token nonce, u8 n, n bytes of ticket (what a server of
 *                      rooms routes the client by; none: n 0), zeros up to 64 bytes in all
 *  CHALLENGE           token nonce, cookie
 *  CHALLENGE_RESPONSE  u16 version, token nonce, cookie, zeros up to 64 bytes in all
 *  ACCEPT              token nonce, token session, u8 flags (1 = host), 16-byte host token
 *                      (zeros if not host)
 *  CLOSE               token (session, or nonce before there is one), u8 reason
 *  SHUTDOWN_REQUEST    token session, 16-byte host token
 *  DATA                token session, u8 n, n x u32 event id, a whole PyGaSe package
 *  FRAGMENT            token session, u16 message id, u16 fragment index, u16 fragment count,
 *                      bytes: a part of a DATA packet over MAX_DATAGRAM_SIZE bytes
 *  SLICE               token session, u16 block id, u32 block size, u16 slice index, the
 *                      slice's bytes (SLICE_SIZE for each slice but the last)
 *  SLICE_ACK           token session, u16 block id, u16 slice count, a bit per slice (slice i
 *                      is bit i % 8 of byte i / 8): set for each slice received
 * ```
 *
 * No rxgase datagram is larger than {@link MAX_DATAGRAM_SIZE} bytes, so IP never fragments it. A
 * data packet larger than that (up to the receiver's `maxMessageSize`) goes as 2 to 65,535
 * fragments under one message id, new for each packet sent (u16, wrapping): each but the last
 * carries {@link FRAGMENT_PAYLOAD_SIZE} bytes, the last 1 to that many, and their payloads in
 * order are the data packet, whole. In the PyGaSe package such a packet carries, an event of
 * 65,535 bytes or more has the length 0xffff then a u32 length (see `LONG_LENGTH`). A package
 * whose fragment is lost is lost whole, as any package: fragments suit messages of a few
 * datagrams.
 *
 * A block is a message too large for one datagram sent reliably beside the packages: its
 * slices go out within a bandwidth budget, the receiver answers each with the whole block's
 * bitmap, and the sender resends only the slices not acknowledged in time. A server sends a
 * client a game-state update past one datagram (a joining client's whole state) as a block,
 * whose bytes are a kind (BLOCK_CHANGES or BLOCK_WHOLE_STATE) then the update as a server package
 * carries it.
 *
 * A client pads its connect request and its challenge response so each answer it gets back is
 * smaller: the server never sends an address more bytes than it received from it. Every answer
 * a client acts on echoes what only someone who saw its request knows: the challenge, the accept
 * and a refusal its nonce, a close its session token. The cookie proves, in
 * the challenge response, that the client receives at its address; only then does the server
 * allocate a connection. The session token in every later packet keeps anyone who does not see
 * the traffic from speaking for either side; event ids let a receiver handle each event once.
 */

/**
 * The four bytes every rxgase packet starts with; PyGaSe's end in `b9`.
 *
 * @category Protocol
 */
export const RXGASE_PROTOCOL_ID: Readonly<Uint8Array> = Uint8Array.of(0xff, 0xd0, 0xfa, 0xba);

/**
 * The version of the rxgase protocol these peers speak. Version 2 binds the accept to the
 * client's nonce and pads the challenge response to 64 bytes; version 3 adds fragments and
 * blocks; version 4 writes a server's updates to an rxgase client as compact updates (see
 * `CompactEncoder`); version 5 lets a client whose link dropped resume its session (a
 * `resume` ticket and the session in its challenge response). Peers of other versions are refused
 * with `version mismatch`.
 *
 * @category Protocol
 */
export const RXGASE_PROTOCOL_VERSION = 5;

/** What an rxgase packet is. */
export const PacketKind = {
  Data: 0,
  ConnectRequest: 1,
  Challenge: 2,
  ChallengeResponse: 3,
  Accept: 4,
  Close: 5,
  ShutdownRequest: 6,
  Fragment: 7,
  Slice: 8,
  SliceAck: 9,
} as const;
export type PacketKind = (typeof PacketKind)[keyof typeof PacketKind];

/**
 * Why a connection closed, as both sides tell each other.
 *
 * @category Protocol
 */
export type CloseReason =
  | 'server full'
  | 'version mismatch'
  | 'shutdown'
  | 'timeout'
  | 'kicked'
  | 'disconnected'
  | 'error'
  | 'unknown session'
  | 'flooding'
  | 'state too large'
  | 'no such room'
  | 'invalid token'
  | 'dropped';

/** The close reasons, each going as its place in this list plus one: the order is the wire's. */
export const CLOSE_REASONS: readonly CloseReason[] = [
  'server full',
  'version mismatch',
  'shutdown',
  'timeout',
  'kicked',
  'disconnected',
  'error',
  // Since version 2: the server does not know the session of a packet (it ended, or the server
  // restarted).
  'unknown session',
  // Since version 2: a session far over its budget for long.
  'flooding',
  // Since version 3: the game state stayed too large to send the client for a second.
  'state too large',
  // Since version 4: a connect request's ticket names no room the server has (or none, and the
  // server has no room for clients without one).
  'no such room',
  // Since version 4: a connect token that is forged, expired, spent, or for another server.
  'invalid token',
  // Since version 5: the server lost the client's link and holds its session for its
  // reconnection (a server's `reconnectGraceMs`): the client comes back through the handshake.
  'dropped',
];

export const TOKEN_SIZE = 8;
export const COOKIE_SIZE = 20;
export const HOST_TOKEN_SIZE = 16;
/**
 * The size of the secret an accept gives a client to resume its session with (since version 5),
 * which no other packet carries.
 */
export const RESUME_TOKEN_SIZE = 16;
/** An accept's flag: the client is the host, and its host token follows. */
export const ACCEPT_HOST = 1;
/** An accept's flag (since version 5): the server holds the session if its link drops. */
export const ACCEPT_RESUMABLE = 2;
/**
 * A connect request's size, padding included: more than any answer to it. A request whose ticket
 * needs more is as long as it needs.
 */
export const CONNECT_REQUEST_SIZE = 64;
/** The longest ticket a connect request carries, in bytes. */
export const MAX_TICKET_SIZE = 255;
/** A challenge response's size, padding included: more than the accept that answers it. */
export const CHALLENGE_RESPONSE_SIZE = 64;
/** Protocol id and kind. */
export const PACKET_PREFIX_SIZE = 5;

/**
 * Where a challenge response says it resumes a session (1, else 0), the session's resume token
 * (its accept's) after it: in the padding, so a response stays 64 bytes.
 */
export const RESUME_FLAG_AT = PACKET_PREFIX_SIZE + 2 + TOKEN_SIZE + COOKIE_SIZE;
/** The bytes a data packet adds to the PyGaSe package it carries, besides 4 per event id. */
export const DATA_OVERHEAD = PACKET_PREFIX_SIZE + TOKEN_SIZE + 1;
/** The bytes each event id takes in a data packet. */
export const EVENT_ID_SIZE = 4;
/** The most event ids one data packet carries. */
export const MAX_EVENT_IDS = 0xff;

/** A challenge's size. */
export const CHALLENGE_SIZE = PACKET_PREFIX_SIZE + TOKEN_SIZE + COOKIE_SIZE;
/** An accept's size. */
export const ACCEPT_SIZE =
  PACKET_PREFIX_SIZE + 2 * TOKEN_SIZE + 1 + HOST_TOKEN_SIZE + RESUME_TOKEN_SIZE;
/** A close's size. */
export const CLOSE_SIZE = PACKET_PREFIX_SIZE + TOKEN_SIZE + 1;
/** A shutdown request's size. */
export const SHUTDOWN_REQUEST_SIZE = PACKET_PREFIX_SIZE + TOKEN_SIZE + HOST_TOKEN_SIZE;

/**
 * The largest rxgase datagram on the wire: below the common 1,280-byte IPv6 MTU with headers to
 * spare, so IP never fragments it (a lost IP fragment loses the whole datagram).
 *
 * @category Protocol
 */
export const MAX_DATAGRAM_SIZE = 1200;
/** A fragment's bytes besides its payload: prefix, session token, message id, index, count. */
export const FRAGMENT_OVERHEAD = PACKET_PREFIX_SIZE + TOKEN_SIZE + 6;
/**
 * The payload of every fragment but the last, which carries the rest.
 *
 * @category Protocol
 */
export const FRAGMENT_PAYLOAD_SIZE = MAX_DATAGRAM_SIZE - FRAGMENT_OVERHEAD;
/**
 * The default largest data packet an rxgase peer sends or takes, fragments joined: 1 MiB.
 *
 * @category Protocol
 */
export const DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024;
/** The bytes a slice adds to the block bytes it carries. */
export const SLICE_OVERHEAD = PACKET_PREFIX_SIZE + TOKEN_SIZE + 2 + 4 + 2;
/**
 * The block bytes each slice carries, the last one excepted: a slice fills a datagram.
 *
 * @category Protocol
 */
export const SLICE_SIZE = MAX_DATAGRAM_SIZE - SLICE_OVERHEAD;
/** The most slices a block has: its indexes are 16 bits. */
export const MAX_SLICES = 0xffff;
/** How many slices a block of `blockSize` bytes takes: one at least. */
export function sliceCount(blockSize: number): number {
  return Math.max(1, Math.ceil(blockSize / SLICE_SIZE));
}
/** The bytes a slice ack takes besides its bitmap. */
export const SLICE_ACK_OVERHEAD = PACKET_PREFIX_SIZE + TOKEN_SIZE + 2 + 2;

/**
 * What a server's block to a client holds after its first byte, the game-state update as a
 * package carries it: changes to apply (0), or the whole state (1), which replaces the client's:
 * a client whose state the server forgot may hold keys since deleted.
 */
export const BLOCK_CHANGES = 0;
export const BLOCK_WHOLE_STATE = 1;
