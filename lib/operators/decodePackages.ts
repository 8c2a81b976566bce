import { filter, map } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { RxgaseError } from '../protocol/errors';
import type { Package } from '../protocol/packages';

/**
 * Decodes datagrams into packages, dropping the ones that do not decode.
 *
 * Informally: bytes in, packages out, and garbage never errors the stream.
 *
 * A datagram the decoder refuses with one of rxgase's named errors (wrong protocol id, truncated,
 * malformed, oversize) is dropped and reported to `onDropped`, so it can be counted; anything
 * else the decoder throws is a bug and errors the stream, as does an `onDropped` that throws.
 *
 * ## Example
 * ```ts
 * let dropped = 0;
 * datagrams$.pipe(
 *   map(({ data }) => data),
 *   decodePackages(decodeServerPackage, () => dropped++),
 * );
 * ```
 *
 * @param decode One of the package decoders, such as `decodeClientPackage`.
 * @param onDropped Called with the error and the datagram for each datagram dropped.
 * @return An operator from datagram bytes to the packages they hold.
 *
 * @category Operators
 */
export function decodePackages<P extends Package>(
  decode: (datagram: Uint8Array) => P,
  onDropped: (error: RxgaseError, datagram: Uint8Array) => void = () => undefined,
): OperatorFunction<Uint8Array, P> {
  return (source) =>
    source.pipe(
      map(decodeOrDrop(decode, onDropped)),
      filter((pkg): pkg is P => pkg !== undefined),
    );
}

/**
 * The step of {@link decodePackages} for one datagram: `decode` made to return `undefined` for a
 * datagram it refuses with one of rxgase's named errors, after telling `onDropped`. Anything
 * else it throws, a bug, is thrown on.
 *
 * ## Example
 * ```ts
 * const read = decodeOrDrop(decodeServerPackage, () => dropped++);
 * const pkg = read(datagram);
 * if (pkg !== undefined) handle(pkg);
 * ```
 *
 * @param decode One of the package decoders, such as `decodeClientPackage`.
 * @param onDropped Called with the error and the datagram for each datagram dropped.
 * @return The decoder that drops instead of throwing.
 *
 * @internal
 */
export function decodeOrDrop<P extends Package>(
  decode: (datagram: Uint8Array) => P,
  onDropped: (error: RxgaseError, datagram: Uint8Array) => void = () => undefined,
): (datagram: Uint8Array) => P | undefined {
  return (datagram) => {
    const decoded = decodeOrError(decode, datagram);
    if (!(decoded instanceof RxgaseError)) return decoded;
    onDropped(decoded, datagram);
    return undefined;
  };
}

/**
 * {@link decodeOrDrop}'s step with no function made: `decode(datagram)`, or the named error it
 * refused the datagram with, given back rather than thrown. Anything else it throws, a bug, is
 * thrown on. For the exchange of a connection, which decodes each datagram of its peer with no
 * closure between.
 *
 * @internal
 */
export function decodeOrError<P extends Package>(
  decode: (datagram: Uint8Array) => P,
  datagram: Uint8Array,
): P | RxgaseError {
  try {
    return decode(datagram);
  } catch (error) {
    if (!(error instanceof RxgaseError)) throw error;
    return error;
  }
}
