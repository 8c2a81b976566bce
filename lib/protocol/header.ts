import {
  ACK_BITFIELD_OFFSET,
  ACK_BITFIELD_SIZE,
  ACK_OFFSET,
  HEADER_SIZE,
  PROTOCOL_ID,
  SEQUENCE_OFFSET,
} from './constants';
import { ProtocolIdMismatchError, TruncatedDatagramError, UnencodableValueError } from './errors';
import { sqnDiff, toSqn } from './sequence';

/**
 * The header every package starts with.
 *
 * `ackBitfield` tells which of the 32 packages before `ack` arrived: bit 31 (the most significant)
 * stands for `ack - 1`, bit 0 for `ack - 32`.
 *
 * @category Protocol
 */
export interface Header {
  /** This package's sequence number; 0 before any package was sent. */
  readonly sequence: number;
  /** The newest sequence number received from the other side; 0 before any arrived. */
  readonly ack: number;
  /** Receipts for the 32 sequence numbers before `ack`, as an unsigned 32-bit integer. */
  readonly ackBitfield: number;
}

/**
 * Writes `header` into the first 12 bytes of `view`. The mirror image of {@link readHeader}.
 *
 * @throws {@link SequenceRangeError} If `sequence` or `ack` is not in 0..65535.
 * @throws {@link UnencodableValueError} If `ackBitfield` is not an unsigned 32-bit integer.
 *
 * @category Protocol
 */
export function writeHeader(view: DataView, header: Header): void {
  const { sequence, ack, ackBitfield } = header;
  if (!Number.isInteger(ackBitfield) || ackBitfield < 0 || ackBitfield > 0xffffffff) {
    throw new UnencodableValueError(
      `ackBitfield must be an unsigned 32-bit integer, got ${ackBitfield}`,
    );
  }
  for (let i = 0; i < PROTOCOL_ID.length; i++) view.setUint8(i, PROTOCOL_ID[i] as number);
  view.setUint16(SEQUENCE_OFFSET, toSqn(sequence, 'sequence'));
  view.setUint16(ACK_OFFSET, toSqn(ack, 'ack'));
  view.setUint32(ACK_BITFIELD_OFFSET, ackBitfield);
}

/**
 * Reads the header from the first 12 bytes of `view`. The mirror image of {@link writeHeader}.
 *
 * @throws {@link ProtocolIdMismatchError} If the bytes do not start with PyGaSe's protocol id.
 * @throws {@link TruncatedDatagramError} If there are fewer than 12 bytes.
 *
 * @category Protocol
 */
export function readHeader(view: DataView): Header {
  const idLength = Math.min(PROTOCOL_ID.length, view.byteLength);
  for (let i = 0; i < idLength; i++) {
    if (view.getUint8(i) !== PROTOCOL_ID[i]) {
      throw new ProtocolIdMismatchError('the datagram does not start with the PyGaSe protocol id');
    }
  }
  if (view.byteLength < HEADER_SIZE) {
    throw new TruncatedDatagramError(
      `a package header has ${HEADER_SIZE} bytes, the datagram only ${view.byteLength}`,
    );
  }
  return {
    sequence: view.getUint16(SEQUENCE_OFFSET),
    ack: view.getUint16(ACK_OFFSET),
    ackBitfield: view.getUint32(ACK_BITFIELD_OFFSET),
  };
}

/**
 * Whether `header` tells that the package with sequence number `sequence` arrived: it is the
 * header's `ack`, or one of the 32 before it with its bit set.
 *
 * ## Example
 * ```ts
 * const header = { sequence: 9, ack: 4, ackBitfield: 0b01 << 30 };
 * acknowledges(header, 4); // true, the ack itself
 * acknowledges(header, 2); // true, bit 30 stands for ack - 2
 * acknowledges(header, 3); // false
 * ```
 *
 * @category Protocol
 */
export function acknowledges(header: Header, sequence: number): boolean {
  if (header.ack === 0 || sequence === 0) return false;
  const distance = sqnDiff(header.ack, sequence);
  if (distance === 0) return true;
  if (distance < 1 || distance > ACK_BITFIELD_SIZE) return false;
  return ((header.ackBitfield >>> (ACK_BITFIELD_SIZE - distance)) & 1) === 1;
}
