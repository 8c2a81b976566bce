/**
 * How many event ids back a receiver remembers. A sender queues no event whose id is this far
 * past the oldest event it still waits to see acknowledged (its `dispatchEvent` refuses with an
 * `EventQueueFullError` until that one settles), so every id that can come again is within the
 * window of the newest the receiver saw, and an id behind the window is one already handled or
 * given up. A power of two, so slots stay put across the wrap of the u32 ids.
 */
export const EVENT_ID_WINDOW = 4096;

/**
 * How many events a connection holds, queued or waiting for their ack, before refusing more.
 *
 * @category Server/Backend
 */
export const DEFAULT_MAX_PENDING_EVENTS = 1024;

/** The event id after `id`: ids are u32 and wrap. */
export function nextEventId(id: number): number {
  return (id + 1) >>> 0;
}

/**
 * The event ids a receiver has handled: the newest, and a bit for each of the
 * {@link EVENT_ID_WINDOW} ids up to it. Fixed memory, whatever arrives.
 *
 * ## Example
 * ```ts
 * const seen = new SeenEventIds();
 * seen.firstTime(7); // true: handle it
 * seen.firstTime(7); // false: a re-send, acked again but not handled again
 * ```
 */
export class SeenEventIds {
  private newest: number | undefined;
  private readonly bits = new Uint32Array(EVENT_ID_WINDOW / 32);

  /** Whether `id` is seen for the first time; marks it seen. Ids behind the window count as seen. */
  firstTime(id: number): boolean {
    if (this.newest === undefined) {
      this.newest = id;
      this.set(id, true);
      return true;
    }
    // How far `id` is ahead of the newest, across the wrap: a signed 32-bit difference.
    const ahead = (id - this.newest) | 0;
    if (ahead > 0) {
      // The slots of the ids after the newest held ids a window older: free them.
      for (let i = Math.min(ahead, EVENT_ID_WINDOW) - 1; i >= 0; i--) this.set(id - i, false);
      this.newest = id;
      this.set(id, true);
      return true;
    }
    if (-ahead >= EVENT_ID_WINDOW || this.has(id)) return false;
    this.set(id, true);
    return true;
  }

  private set(id: number, seen: boolean): void {
    const slot = id & (EVENT_ID_WINDOW - 1);
    const word = this.bits[slot >>> 5] as number;
    this.bits[slot >>> 5] = seen ? word | (1 << (slot & 31)) : word & ~(1 << (slot & 31));
  }

  private has(id: number): boolean {
    const slot = id & (EVENT_ID_WINDOW - 1);
    return ((this.bits[slot >>> 5] as number) & (1 << (slot & 31))) !== 0;
  }
}
