import { DELETE_MARKER, isDeleteMarker } from '../protocol/deleteMarker';

/**
 * The value that deletes a key: put it in a game-state update and applying the update removes the
 * key from the state, at any depth. It is PyGaSe's marker, the four bytes `d2 81 e5 ba`, and goes
 * over the wire as msgpack bin; it is recognised by value, so a decoded copy works as well.
 *
 * ## Example
 * ```ts
 * applyUpdate(state, { time_order: 8, players: { ann: TO_DELETE } });
 * ```
 *
 * @category State
 */
export const TO_DELETE: ToDelete = DELETE_MARKER as ToDelete;

declare const toDelete: unique symbol;

/**
 * The type of {@link TO_DELETE}: bytes, marked so that a typed update takes it only where a key
 * may be deleted (see {@link StateChanges}).
 *
 * @category State
 */
export type ToDelete = Readonly<Uint8Array> & { readonly [toDelete]: true };

/**
 * Whether `value` is {@link TO_DELETE}, or bytes equal to it.
 *
 * @category State
 */
export const isToDelete: (value: unknown) => boolean = isDeleteMarker;
