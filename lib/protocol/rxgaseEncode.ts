import { MAX_PACKAGE_SIZE } from './constants';
import { InvalidArgumentError, MalformedPayloadError, PackageOverflowError } from './errors';
import type { CloseReason } from './rxgaseConstants';
import { slabBytes } from './slab';
import {
  ACCEPT_SIZE,
  CHALLENGE_RESPONSE_SIZE,
  CHALLENGE_SIZE,
  CLOSE_REASONS,
  CLOSE_SIZE,
  CONNECT_REQUEST_SIZE,
  COOKIE_SIZE,
  DATA_OVERHEAD,
  EVENT_ID_SIZE,
  FRAGMENT_OVERHEAD,
  FRAGMENT_PAYLOAD_SIZE,
  HOST_TOKEN_SIZE,
  MAX_EVENT_IDS,
  PACKET_PREFIX_SIZE,
  ACCEPT_HOST,
  ACCEPT_RESUMABLE,
  PacketKind,
  RESUME_FLAG_AT,
  RESUME_TOKEN_SIZE,
  RXGASE_PROTOCOL_ID,
  RXGASE_PROTOCOL_VERSION,
  MAX_SLICES,
  SHUTDOWN_REQUEST_SIZE,
  SLICE_ACK_OVERHEAD,
  SLICE_OVERHEAD,
  SLICE_SIZE,
  MAX_TICKET_SIZE,
  TOKEN_SIZE,
  sliceCount,
} from './rxgaseConstants';

// Past ~300 lines with its documentation: one role, rxgase's packets written, ten encoders sharing
// the prefix writers and size checks at the end of the file.
/**
 * Writes a connect request, padded to {@link CONNECT_REQUEST_SIZE} bytes, or as long as its
 * ticket needs.
 *
 * @param ticket What the server routes the client by (a room, a connect token): up to
 *   {@link MAX_TICKET_SIZE} bytes; none by default.
 * @throws {@link InvalidArgumentError} If the ticket is longer.
 */
export function encodeConnectRequest(
  nonce: Uint8Array,
  version = RXGASE_PROTOCOL_VERSION,
  ticket: Uint8Array = NO_TICKET,
): Uint8Array {
  if (ticket.length > MAX_TICKET_SIZE) {
    throw new InvalidArgumentError(
      `a ticket has at most ${MAX_TICKET_SIZE} bytes, this one ${ticket.length}`,
    );
  }
  const p = PACKET_PREFIX_SIZE + 2 + TOKEN_SIZE;
  const out = start(
    PacketKind.ConnectRequest,
    Math.max(CONNECT_REQUEST_SIZE, p + 1 + ticket.length),
  );
  out.view.setUint16(PACKET_PREFIX_SIZE, version);
  out.bytes.set(checked(nonce, TOKEN_SIZE, 'nonce'), PACKET_PREFIX_SIZE + 2);
  out.bytes[p] = ticket.length;
  out.bytes.set(ticket, p + 1);
  return out.bytes;
}

const NO_TICKET = new Uint8Array(0);

/** Writes the server's challenge to a connect request. */
export function encodeChallenge(nonce: Uint8Array, cookie: Uint8Array): Uint8Array {
  const out = start(PacketKind.Challenge, CHALLENGE_SIZE);
  out.bytes.set(checked(nonce, TOKEN_SIZE, 'nonce'), PACKET_PREFIX_SIZE);
  out.bytes.set(checked(cookie, COOKIE_SIZE, 'cookie'), PACKET_PREFIX_SIZE + TOKEN_SIZE);
  return out.bytes;
}

/**
 * Writes a client's answer to a challenge: the cookie echoed, padded to 64 bytes; with
 * `resumeToken`, the secret its accept gave it for the session it takes up again.
 */
export function encodeChallengeResponse(
  nonce: Uint8Array,
  cookie: Uint8Array,
  version = RXGASE_PROTOCOL_VERSION,
  resumeToken?: Uint8Array,
): Uint8Array {
  const out = start(PacketKind.ChallengeResponse, CHALLENGE_RESPONSE_SIZE);
  out.view.setUint16(PACKET_PREFIX_SIZE, version);
  out.bytes.set(checked(nonce, TOKEN_SIZE, 'nonce'), PACKET_PREFIX_SIZE + 2);
  out.bytes.set(checked(cookie, COOKIE_SIZE, 'cookie'), PACKET_PREFIX_SIZE + 2 + TOKEN_SIZE);
  if (resumeToken !== undefined) {
    out.bytes[RESUME_FLAG_AT] = 1;
    out.bytes.set(checked(resumeToken, RESUME_TOKEN_SIZE, 'resume token'), RESUME_FLAG_AT + 1);
  }
  return out.bytes;
}

/**
 * Writes the server's welcome: the nonce of the request it answers, the session token, and the
 * host token if the client is host.
 */
export function encodeAccept(
  nonce: Uint8Array,
  session: Uint8Array,
  hostToken?: Uint8Array,
  resumeToken?: Uint8Array,
): Uint8Array {
  const out = start(PacketKind.Accept, ACCEPT_SIZE);
  const p = PACKET_PREFIX_SIZE;
  out.bytes.set(checked(nonce, TOKEN_SIZE, 'nonce'), p);
  out.bytes.set(checked(session, TOKEN_SIZE, 'session'), p + TOKEN_SIZE);
  const flagsAt = p + 2 * TOKEN_SIZE;
  if (hostToken !== undefined) {
    out.bytes[flagsAt] = (out.bytes[flagsAt] as number) | ACCEPT_HOST;
    out.bytes.set(checked(hostToken, HOST_TOKEN_SIZE, 'host token'), flagsAt + 1);
  }
  if (resumeToken !== undefined) {
    out.bytes[flagsAt] = (out.bytes[flagsAt] as number) | ACCEPT_RESUMABLE;
    out.bytes.set(
      checked(resumeToken, RESUME_TOKEN_SIZE, 'resume token'),
      flagsAt + 1 + HOST_TOKEN_SIZE,
    );
  }
  return out.bytes;
}

/** Writes a close packet: the session token (or the nonce before there is one) and the reason. */
export function encodeClose(token: Uint8Array, reason: CloseReason): Uint8Array {
  const out = start(PacketKind.Close, CLOSE_SIZE);
  out.bytes.set(checked(token, TOKEN_SIZE, 'token'), PACKET_PREFIX_SIZE);
  out.bytes[PACKET_PREFIX_SIZE + TOKEN_SIZE] = CLOSE_REASONS.indexOf(reason) + 1;
  return out.bytes;
}

/** Writes the host's request to shut the server down. */
export function encodeShutdownRequest(session: Uint8Array, hostToken: Uint8Array): Uint8Array {
  const out = start(PacketKind.ShutdownRequest, SHUTDOWN_REQUEST_SIZE);
  out.bytes.set(checked(session, TOKEN_SIZE, 'session'), PACKET_PREFIX_SIZE);
  out.bytes.set(checked(hostToken, HOST_TOKEN_SIZE, 'host token'), PACKET_PREFIX_SIZE + TOKEN_SIZE);
  return out.bytes;
}

/**
 * Wraps a PyGaSe package in a data packet.
 *
 * @param maxSize The largest packet allowed; default 2048. Past {@link MAX_DATAGRAM_SIZE} it goes
 *   as fragments ({@link encodeFragments}).
 * @throws {@link PackageOverflowError} If the packet would be over `maxSize` bytes or carry over
 *   255 ids.
 */
export function encodeData(
  session: Uint8Array,
  eventIds: readonly number[],
  pkg: Uint8Array,
  maxSize = MAX_PACKAGE_SIZE,
): Uint8Array {
  const bytes = dataPacket(eventIds, pkg, maxSize);
  bytes.set(checked(session, TOKEN_SIZE, 'session'), PACKET_PREFIX_SIZE);
  return bytes;
}

/**
 * A data packet with these event ids and this package, its session's token still to write.
 *
 * @throws {@link PackageOverflowError} As {@link encodeData}.
 */
function dataPacket(eventIds: readonly number[], pkg: Uint8Array, maxSize: number): Uint8Array {
  const size = DATA_OVERHEAD + EVENT_ID_SIZE * eventIds.length + pkg.length;
  if (size > maxSize || eventIds.length > MAX_EVENT_IDS) {
    throw new PackageOverflowError(
      `a data packet has at most ${maxSize} bytes and ${MAX_EVENT_IDS} event ids, this one ${size} and ${eventIds.length}`,
    );
  }
  // Its ids written byte by byte: the packet a server sends each client 40 times a second, where
  // a DataView would be one more object made for each.
  const bytes = prefixed(PacketKind.Data, size);
  let offset = PACKET_PREFIX_SIZE + TOKEN_SIZE;
  bytes[offset++] = eventIds.length;
  for (const id of eventIds) {
    bytes[offset++] = id >>> 24;
    bytes[offset++] = (id >>> 16) & 0xff;
    bytes[offset++] = (id >>> 8) & 0xff;
    bytes[offset++] = id & 0xff;
  }
  bytes.set(pkg, offset);
  return bytes;
}

/**
 * The data packets of one session, written as {@link encodeData} writes them: the session's token
 * held as four 16-bit numbers in the object itself, where its array is two objects apart (the
 * array and its bytes), each cold in the cache by the next of a server's packages to a client.
 *
 * @internal
 */
export class DataPrefix {
  private readonly token0: number;
  private readonly token1: number;
  private readonly token2: number;
  private readonly token3: number;

  /** @throws {@link MalformedPayloadError} If `session` is not a session token. */
  constructor(session: Uint8Array) {
    checked(session, TOKEN_SIZE, 'session');
    const word = (at: number): number =>
      ((session[at] as number) << 8) | (session[at + 1] as number);
    this.token0 = word(0);
    this.token1 = word(2);
    this.token2 = word(4);
    this.token3 = word(6);
  }

  /** As {@link encodeData} of this session. */
  protected data(eventIds: readonly number[], pkg: Uint8Array, maxSize: number): Uint8Array {
    const bytes = dataPacket(eventIds, pkg, maxSize);
    const at = PACKET_PREFIX_SIZE;
    bytes[at] = this.token0 >> 8;
    bytes[at + 1] = this.token0 & 0xff;
    bytes[at + 2] = this.token1 >> 8;
    bytes[at + 3] = this.token1 & 0xff;
    bytes[at + 4] = this.token2 >> 8;
    bytes[at + 5] = this.token2 & 0xff;
    bytes[at + 6] = this.token3 >> 8;
    bytes[at + 7] = this.token3 & 0xff;
    return bytes;
  }
}

/**
 * Cuts a data packet into the fragments that carry it, under `messageId`.
 *
 * @throws {@link MalformedPayloadError} If the packet fits one datagram, so goes whole.
 * @throws {@link PackageOverflowError} If it would take over 65,535 fragments.
 */
export function encodeFragments(
  session: Uint8Array,
  messageId: number,
  packet: Uint8Array,
): Uint8Array[] {
  checked(session, TOKEN_SIZE, 'session');
  const count = Math.ceil(packet.length / FRAGMENT_PAYLOAD_SIZE);
  if (count < 2) throw new MalformedPayloadError('a packet that fits one datagram goes whole');
  if (count > 0xffff) throw new PackageOverflowError(`a packet of ${count} fragments`);
  const fragments: Uint8Array[] = [];
  for (let index = 0; index < count; index++) {
    const payload = packet.subarray(
      index * FRAGMENT_PAYLOAD_SIZE,
      (index + 1) * FRAGMENT_PAYLOAD_SIZE,
    );
    const out = start(PacketKind.Fragment, FRAGMENT_OVERHEAD + payload.length);
    out.bytes.set(session, PACKET_PREFIX_SIZE);
    out.view.setUint16(PACKET_PREFIX_SIZE + TOKEN_SIZE, messageId & 0xffff);
    out.view.setUint16(PACKET_PREFIX_SIZE + TOKEN_SIZE + 2, index);
    out.view.setUint16(PACKET_PREFIX_SIZE + TOKEN_SIZE + 4, count);
    out.bytes.set(payload, FRAGMENT_OVERHEAD);
    fragments.push(out.bytes);
  }
  return fragments;
}

/**
 * Writes slice `index` of a block of `blockSize` bytes: `bytes` are the block's from
 * `index * SLICE_SIZE` on, `SLICE_SIZE` of them but in the last slice.
 *
 * @throws {@link MalformedPayloadError} If the slice's size or index does not fit the block.
 */
export function encodeSlice(
  session: Uint8Array,
  blockId: number,
  blockSize: number,
  index: number,
  bytes: Uint8Array,
): Uint8Array {
  const count = sliceCount(blockSize);
  const expected = index === count - 1 ? blockSize - index * SLICE_SIZE : SLICE_SIZE;
  if (count > MAX_SLICES || index >= count || bytes.length !== expected) {
    throw new MalformedPayloadError(
      `slice ${index} of a ${blockSize}-byte block has ${expected} bytes, got ${bytes.length}`,
    );
  }
  const out = start(PacketKind.Slice, SLICE_OVERHEAD + bytes.length);
  out.bytes.set(checked(session, TOKEN_SIZE, 'session'), PACKET_PREFIX_SIZE);
  let offset = PACKET_PREFIX_SIZE + TOKEN_SIZE;
  out.view.setUint16(offset, blockId & 0xffff);
  out.view.setUint32((offset += 2), blockSize);
  out.view.setUint16((offset += 4), index);
  out.bytes.set(bytes, offset + 2);
  return out.bytes;
}

/**
 * Writes the receiver's ack of a block: a bit per slice, set for each slice received.
 *
 * @throws {@link MalformedPayloadError} If the bitmap is not `ceil(count / 8)` bytes.
 */
export function encodeSliceAck(
  session: Uint8Array,
  blockId: number,
  count: number,
  received: Uint8Array,
): Uint8Array {
  checked(received, Math.ceil(count / 8), 'slice bitmap');
  const out = start(PacketKind.SliceAck, SLICE_ACK_OVERHEAD + received.length);
  out.bytes.set(checked(session, TOKEN_SIZE, 'session'), PACKET_PREFIX_SIZE);
  out.view.setUint16(PACKET_PREFIX_SIZE + TOKEN_SIZE, blockId & 0xffff);
  out.view.setUint16(PACKET_PREFIX_SIZE + TOKEN_SIZE + 2, count);
  out.bytes.set(received, SLICE_ACK_OVERHEAD);
  return out.bytes;
}

/**
 * A packet of `size` bytes of this kind, its prefix written: a data packet, sent and let go, in a
 * view of a shared slab; any other in an array of its own, as one may be kept (an accept is, for
 * as long as its connection lasts), and a view would keep its whole slab.
 */
function prefixed(kind: PacketKind, size: number): Uint8Array {
  const bytes = kind === PacketKind.Data ? slabBytes(size) : new Uint8Array(size);
  bytes.set(RXGASE_PROTOCOL_ID);
  bytes[PACKET_PREFIX_SIZE - 1] = kind;
  return bytes;
}

function start(kind: PacketKind, size: number): { bytes: Uint8Array; view: DataView } {
  const bytes = prefixed(kind, size);
  return { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

function checked(bytes: Uint8Array, size: number, what: string): Uint8Array {
  if (bytes.length !== size) {
    throw new MalformedPayloadError(`a ${what} has ${size} bytes, got ${bytes.length}`);
  }
  return bytes;
}
