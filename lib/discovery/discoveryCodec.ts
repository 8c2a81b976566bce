import {
  MalformedPayloadError,
  PackageOverflowError,
  ProtocolIdMismatchError,
  TruncatedDatagramError,
} from '../protocol/errors';

/*
 * LAN discovery datagrams, rxgase's own (PyGaSe has none; pymasep has the feature):
 *
 *   offset 0  4 bytes  magic "RXGD" (52 58 47 44), so nothing else is taken for a request
 *   offset 4  u8       kind: 1 = request, 2 = answer
 *   offset 5  ...      request: zeros, padding it to DISCOVERY_REQUEST_SIZE bytes
 *                      answer: UTF-8 JSON object, a DiscoveryInfo
 *
 * A datagram is at most MAX_DISCOVERY_SIZE bytes. A request is padded to the size of the largest
 * answer, and a server answers no request with more bytes than it carried: a request sent in a
 * victim's name gets the victim no more bytes than the sender spent (no amplification).
 */

/**
 * The port servers answer discovery on by default.
 *
 * @category Discovery
 */
export const DISCOVERY_PORT = 8088;
/**
 * The multicast group servers join and clients ask by default (organization-local scope).
 *
 * @category Discovery
 */
export const DISCOVERY_GROUP = '239.255.80.88';
/**
 * The largest discovery datagram, in bytes.
 *
 * @category Discovery
 */
export const MAX_DISCOVERY_SIZE = 1024;
/**
 * The size a client pads its discovery request to: that of the largest answer.
 *
 * @category Discovery
 */
export const DISCOVERY_REQUEST_SIZE = MAX_DISCOVERY_SIZE;

const MAGIC = Uint8Array.of(0x52, 0x58, 0x47, 0x44);
const KIND_REQUEST = 1;
const KIND_ANSWER = 2;
const HEADER_SIZE = MAGIC.length + 1;

/**
 * What a server tells a client that asks who is there.
 *
 * @category Discovery
 */
export interface DiscoveryInfo {
  /** A name to show players. */
  readonly name: string;
  /** The game's UDP port. */
  readonly port: number;
  /** The game's WebSocket port, if it takes browsers. */
  readonly webSocketPort?: number;
  /** How many clients are connected now. */
  readonly clients?: number;
}

/**
 * A discovery datagram, decoded.
 *
 * @category Discovery
 */
export type DiscoveryMessage =
  { readonly kind: 'request' } | { readonly kind: 'answer'; readonly info: DiscoveryInfo };

/**
 * The request a client sends: always the same {@link DISCOVERY_REQUEST_SIZE} bytes, the magic and
 * the kind padded with zeros, so that any answer is as small as the request or smaller.
 *
 * @category Discovery
 */
export function encodeDiscoveryRequest(): Uint8Array {
  const data = new Uint8Array(DISCOVERY_REQUEST_SIZE);
  data.set(MAGIC);
  data[MAGIC.length] = KIND_REQUEST;
  return data;
}

/**
 * The answer a server sends.
 *
 * @throws {@link PackageOverflowError} If it would not fit in {@link MAX_DISCOVERY_SIZE} bytes.
 *
 * @category Discovery
 */
export function encodeDiscoveryAnswer(info: DiscoveryInfo): Uint8Array {
  const body = new TextEncoder().encode(JSON.stringify(info));
  if (HEADER_SIZE + body.length > MAX_DISCOVERY_SIZE) {
    throw new PackageOverflowError(
      `a discovery answer of ${HEADER_SIZE + body.length} bytes is over ${MAX_DISCOVERY_SIZE}`,
    );
  }
  const data = new Uint8Array(HEADER_SIZE + body.length);
  data.set(MAGIC);
  data[MAGIC.length] = KIND_ANSWER;
  data.set(body, HEADER_SIZE);
  return data;
}

const isPort = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= 0xffff;

/**
 * Decodes a discovery datagram.
 *
 * @throws {@link TruncatedDatagramError} If it is shorter than its header.
 * @throws {@link ProtocolIdMismatchError} If it does not start with the magic bytes.
 * @throws {@link MalformedPayloadError} If its kind is unknown, a request is padded with other than
 *   zeros, or an answer is not a DiscoveryInfo.
 * @throws {@link PackageOverflowError} If it is over {@link MAX_DISCOVERY_SIZE} bytes.
 *
 * @category Discovery
 */
export function decodeDiscovery(data: Uint8Array): DiscoveryMessage {
  if (data.length > MAX_DISCOVERY_SIZE) {
    throw new PackageOverflowError(`a discovery datagram of ${data.length} bytes is too long`);
  }
  if (data.length < HEADER_SIZE) {
    throw new TruncatedDatagramError(`a discovery datagram of ${data.length} bytes is too short`);
  }
  if (MAGIC.some((byte, i) => data[i] !== byte)) {
    throw new ProtocolIdMismatchError('not a discovery datagram');
  }
  const kind = data[MAGIC.length];
  if (kind === KIND_REQUEST) {
    // Any length: a short one (an older rxgase's five bytes) is for the responder to weigh.
    if (data.subarray(HEADER_SIZE).every((byte) => byte === 0)) return { kind: 'request' };
    throw new MalformedPayloadError('a discovery request padded with other than zeros');
  }
  if (kind !== KIND_ANSWER) throw new MalformedPayloadError(`unknown discovery kind ${kind}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(HEADER_SIZE)),
    );
  } catch (error) {
    throw new MalformedPayloadError('a discovery answer that is not JSON', { cause: error });
  }
  const info = parsed as Partial<Record<keyof DiscoveryInfo, unknown>> | null;
  if (
    typeof info !== 'object' ||
    info === null ||
    typeof info.name !== 'string' ||
    !isPort(info.port) ||
    (info.webSocketPort !== undefined && !isPort(info.webSocketPort)) ||
    (info.clients !== undefined &&
      !(typeof info.clients === 'number' && Number.isInteger(info.clients) && info.clients >= 0))
  ) {
    throw new MalformedPayloadError('a discovery answer without a name and a port');
  }
  return {
    kind: 'answer',
    info: {
      name: info.name,
      port: info.port,
      ...(info.webSocketPort !== undefined && { webSocketPort: info.webSocketPort }),
      ...(info.clients !== undefined && { clients: info.clients }),
    },
  };
}
