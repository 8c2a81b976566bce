/**
 * PyGaSe's marker for "delete this key", the four bytes `d2 81 e5 ba`, sent as msgpack bin. The
 * state layer gives it its meaning as `TO_DELETE`; the codec only needs to recognise it.
 */
export const DELETE_MARKER: Readonly<Uint8Array> = Uint8Array.of(0xd2, 0x81, 0xe5, 0xba);

/** Whether `value` is the delete marker, or bytes equal to it: a decoded copy counts. */
export function isDeleteMarker(value: unknown): boolean {
  return (
    value instanceof Uint8Array &&
    value.length === 4 &&
    value[0] === 0xd2 &&
    value[1] === 0x81 &&
    value[2] === 0xe5 &&
    value[3] === 0xba
  );
}
