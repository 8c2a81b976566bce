import {
  ACK_BITFIELD_OFFSET,
  ACK_BITFIELD_SIZE,
  ACK_OFFSET,
  HEADER_SIZE,
  PROTOCOL_ID,
  SEQUENCE_OFFSET,
} from './constants';
import { readU16, readU32 } from './bigEndian';
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
  return headerOf(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
}

/**
 * {@link readHeader} from the datagram's bytes, with no `DataView` made for it: how the package
 * decoders read it, once per datagram.
 *
 * @internal
 */
export function headerOf(bytes: Uint8Array): Header {
  const idLength = Math.min(PROTOCOL_ID.length, bytes.length);
  for (let i = 0; i < idLength; i++) {
    if (bytes[i] !== PROTOCOL_ID[i]) {
      throw new ProtocolIdMismatchError('the datagram does not start with the PyGaSe protocol id');
    }
  }
  if (bytes.length < HEADER_SIZE) {
    throw new TruncatedDatagramError(
      `a package header has ${HEADER_SIZE} bytes, the datagram only ${bytes.length}`,
    );
  }
  return {
    sequence: readU16(bytes, SEQUENCE_OFFSET),
    ack: readU16(bytes, ACK_OFFSET),
    ackBitfield: readU32(bytes, ACK_BITFIELD_OFFSET),
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
