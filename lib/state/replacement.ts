/**
 * "Set this key to exactly this value": unlike a plain object in an update, a replacement does not
 * merge into what the state holds there, it takes its place.
 *
 * {@link mergeUpdates} makes these where a key is deleted or set to a plain value and then set to
 * an object: applied one after the other, the two updates leave exactly the new object, and only a
 * replacement says so in one update. (PyGaSe merges the object into whatever the state held, so a
 * player who leaves and rejoins keeps stale keys.)
 *
 * PyGaSe's wire format has no form for it, so the PyGaSe codec refuses an update that holds one
 * (`UnencodableValueError`) rather than send something a PyGaSe peer would merge into stale keys:
 * whoever sends updates to a PyGaSe peer must send what it can apply instead.
 *
 * @typeParam T The object it sets: in a typed update, the type of the key it replaces, so a
 *   replacement that lacks a required key does not compile.
 * @category State
 */
export class Replacement<T extends object = Readonly<Record<string, unknown>>> {
  constructor(readonly value: Readonly<T>) {}
}
