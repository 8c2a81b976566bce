import { sameTrace } from '../protocol/compactDictionary';
import type { CompactTrace, Definition } from '../protocol/compactDictionary';
import type { SentDictionary } from '../protocol/sentDictionary';
import { CompactEncoder } from '../protocol/compactEncoder';
import { encodeLargeUpdate, encodeUpdate } from '../protocol/encode';
import { PackageOverflowError } from '../protocol/errors';
import type { GameStateUpdate } from '../state/gameState';

/*
 * The encodings of game-state updates a server's client connections share: PyGaSe's msgpack,
 * the same bytes for every client; the same for blocks; and rxgase's compact form, shared by the
 * clients whose dictionaries answer alike.
 */

/**
 * Updates encoded, shared by every client: the store gives clients at the same `time_order` the
 * same update object until the state changes, so one encoding serves them all. An error marks an
 * update that does not encode: too big for a package, or not encodable.
 */
const encodedUpdates = new WeakMap<GameStateUpdate, Uint8Array | Error>();

export function encoded(update: GameStateUpdate): Uint8Array | Error {
  let bytes = encodedUpdates.get(update);
  if (bytes !== undefined) return bytes;
  try {
    bytes = encodeUpdate(update);
  } catch (error) {
    bytes = error instanceof Error ? error : new Error(String(error));
  }
  encodedUpdates.set(update, bytes);
  return bytes;
}

/** The updates too large for a package encoded for blocks, shared as {@link encodedUpdates} are. */
const encodedBlocks = new WeakMap<GameStateUpdate, Uint8Array | Error>();

export function encodedBlock(update: GameStateUpdate, maxSize: number): Uint8Array | Error {
  let bytes = encodedBlocks.get(update);
  if (bytes !== undefined && !(bytes instanceof PackageOverflowError)) return bytes;
  try {
    bytes = encodeLargeUpdate(update, maxSize);
  } catch (error) {
    bytes = error instanceof Error ? error : new Error(String(error));
  }
  encodedBlocks.set(update, bytes);
  return bytes;
}

/** The writers of compact updates: one for packages, one whose buffer grows to the largest block. */
const compactPackages = new CompactEncoder();
export const compactBlocks = new CompactEncoder();

/** An update in compact form, or what went wrong. */
export type Compact =
  | {
      readonly bytes: Uint8Array;
      readonly carried: readonly Definition[];
      readonly trace?: CompactTrace;
    }
  | Error;

export function encodeCompact(
  writer: CompactEncoder,
  update: GameStateUpdate,
  dictionary: SentDictionary,
  maxSize: number,
): Compact {
  try {
    return writer.encodeUpdate(update, dictionary, maxSize);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/**
 * Compact updates shared by the clients whose dictionaries answer alike: an encoding that used
 * only definitions its receiver knows, and changed nothing in its dictionary, is what any
 * dictionary that `knows` its trace would write. Clients in step, which hold the same keys and
 * shapes under the same numbers, so get one encoding of each update between them, as PyGaSe
 * clients share the msgpack one; a client whose dictionary differs gets its own. The last such
 * encoding of each update is kept, with the room it was written for.
 */
const sharedCompact = new WeakMap<
  GameStateUpdate,
  { readonly bytes: Uint8Array; readonly trace: CompactTrace; readonly maxSize: number }
>();

/** The compact form of `update` for `dictionary`: shared if it may be, else written for it. */
export function compactFor(
  update: GameStateUpdate,
  dictionary: SentDictionary,
  maxSize: number,
): Compact {
  const shared = sharedCompact.get(update);
  if (shared !== undefined && shared.maxSize === maxSize && dictionary.knows(shared.trace)) {
    return { bytes: shared.bytes, carried: NO_DEFINITIONS };
  }
  const result = encodeCompact(compactPackages, update, dictionary, maxSize);
  if (!(result instanceof Error) && result.trace !== undefined) {
    sharedCompact.set(update, { bytes: result.bytes, trace: interned(result.trace), maxSize });
  }
  return result;
}

/**
 * The traces shared lately, the latest first. The updates of tick after tick mostly ask the same
 * keys and shapes, or one of a few sets of them (a field that changes on some ticks and not on
 * others): a trace that reads the same as one of these is taken for it, so that each stays one
 * object, and a dictionary that knew it answers at once (`SentDictionary.knows` keeps the last
 * two it knew).
 */
const recentTraces: CompactTrace[] = [];
const RECENT_TRACES = 8;

/**
 * `trace`, or the trace shared lately that reads the same.
 *
 * @internal
 */
export function interned(trace: CompactTrace): CompactTrace {
  let found = recentTraces.findIndex((recent) => sameTrace(recent, trace));
  const kept = found === -1 ? trace : (recentTraces[found] as CompactTrace);
  if (found === -1) found = Math.min(recentTraces.length, RECENT_TRACES - 1);
  // The latest first: shift the ones before it down a place.
  for (let i = found; i > 0; i--) recentTraces[i] = recentTraces[i - 1] as CompactTrace;
  recentTraces[0] = kept;
  return kept;
}

/** The definitions of an update that carries none. */
const NO_DEFINITIONS: readonly Definition[] = [];
