import { HEADER_SIZE, LENGTH_PREFIX_SIZE } from '../protocol/constants';
import {
  DATA_OVERHEAD,
  PACKET_PREFIX_SIZE,
  PacketKind,
  TOKEN_SIZE,
  isRxgasePacket,
} from '../protocol/rxgasePackets';

/**
 * The fewest bytes an event's msgpack map can take: `{type: '', handler_args: [],
 * handler_kwargs: {}}`, its three keys fixed by the protocol. A shorter entry is no event.
 */
export const SMALLEST_EVENT_SIZE = 37;

/**
 * How many events a client's datagram carries, read from its framing without decoding a byte of
 * msgpack: for an rxgase data packet, its count of event ids (a package whose events do not match
 * that count is refused when decoded); for a PyGaSe client package, its length-prefixed entries
 * after `time_order`, up to the first that cannot be an event (decoding stops there too, so a
 * package of thousands of empty entries counts as few). Anything else counts as none.
 *
 * Informally: what decoding the datagram would cost, in events, for a few byte reads.
 *
 * ## Example
 * ```ts
 * if (!events.take(countEvents(datagram), now)) dropped++;
 * ```
 *
 * @param datagram What a client sent.
 * @return How many events decoding it would read, at most.
 */
export function countEvents(datagram: Uint8Array): number {
  if (isRxgasePacket(datagram)) {
    const isData =
      datagram.length >= DATA_OVERHEAD && datagram[PACKET_PREFIX_SIZE - 1] === PacketKind.Data;
    return isData ? (datagram[PACKET_PREFIX_SIZE + TOKEN_SIZE] as number) : 0;
  }
  let count = 0;
  let position = HEADER_SIZE + LENGTH_PREFIX_SIZE;
  while (position + LENGTH_PREFIX_SIZE <= datagram.length) {
    const size = ((datagram[position] as number) << 8) | (datagram[position + 1] as number);
    if (size < SMALLEST_EVENT_SIZE) break;
    count++;
    position += LENGTH_PREFIX_SIZE + size;
  }
  return count;
}
