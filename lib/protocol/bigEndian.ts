/**
 * Big-endian (network order) reads straight from the bytes. A `DataView` reads the same, but
 * making one costs about as much as decoding a whole small package: the decoders read the
 * integers of every datagram this way and make a view only for floats and 64-bit integers.
 *
 * The caller checks that the bytes are there; these read what is at `offset`.
 */

/** The unsigned 16-bit integer at `offset`. */
export function readU16(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] as number) << 8) | (bytes[offset + 1] as number);
}

/** The unsigned 32-bit integer at `offset`. */
export function readU32(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset] as number) * 0x1000000 +
    (((bytes[offset + 1] as number) << 16) |
      ((bytes[offset + 2] as number) << 8) |
      (bytes[offset + 3] as number))
  );
}
