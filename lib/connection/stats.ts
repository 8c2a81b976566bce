/**
 * What went through a connection, counted from its start.
 *
 * @category Client
 */
export interface ConnectionStats {
  /** Datagrams and bytes received from the peer, whatever became of them. */
  readonly datagramsIn: number;
  readonly bytesIn: number;
  /** Packages taken: new or late, not duplicates, stale or undecodable. */
  readonly packagesIn: number;
  /** Datagrams that did not decode, dropped. */
  readonly dropped: number;
  /**
   * Datagrams dropped before decoding, as the peer sent more packages or events than its
   * session's budget allows (a server's `sessionBudget`), and the events they carried.
   */
  readonly overBudget: number;
  readonly eventsOverBudget: number;
  /**
   * rxgase fragments dropped: seen before, of a message too large or not whole in time, or with
   * no room left to hold them (see `joinFragments`). Malformed ones count in `dropped`.
   */
  readonly fragmentsDropped: number;
  /** Packages seen before, dropped. */
  readonly duplicates: number;
  /** Packages more than 32 behind the newest, dropped. */
  readonly stale: number;
  /** Events received in packages taken, handed on. */
  readonly eventsIn: number;
  /** Events received again (an rxgase peer re-sent them), acked but not handed on again. */
  readonly duplicateEvents: number;
  /** Datagrams and bytes sent, and the packages among them. */
  readonly datagramsOut: number;
  readonly bytesOut: number;
  readonly packagesOut: number;
  /** Events dispatched, and events put in packages (resends included). */
  readonly eventsOut: number;
  readonly eventsSent: number;
  /** Events sent again after the package carrying them timed out. */
  readonly resends: number;
  /** Sent packages the peer acknowledged, and those that timed out. */
  readonly acked: number;
  readonly timedOut: number;
  /** Packages that could not be encoded, and so were not sent. */
  readonly encodeFailures: number;
  /**
   * Blocks (large messages sent reliably beside the packages, an rxgase peer's) sent whole and
   * taken whole; their slices sent (resends included, and counted in `datagramsOut`), sent
   * again, taken, and dropped (too large, stale, or where no block is taken).
   */
  readonly blocksOut: number;
  readonly blocksIn: number;
  readonly slicesOut: number;
  readonly sliceResends: number;
  readonly slicesIn: number;
  readonly slicesDropped: number;
  /** The smoothed round trip time in milliseconds (0 before the first ack). */
  readonly rttMs: number;
  /** The share of sent packages that timed out, of those acked or timed out. */
  readonly loss: number;
  /** Events queued or waiting for their ack, now. */
  readonly pendingEvents: number;
  /** Packages sent and waiting for their ack, now. */
  readonly pendingAcks: number;
}

/** What a connection counts: the stats without what it works out when asked. */
export type ConnectionCounts = {
  -readonly [
    K in Exclude<keyof ConnectionStats, 'rttMs' | 'loss' | 'pendingEvents' | 'pendingAcks'>
  ]: number;
};

/** Stats with every count at 0, for a new connection to count into. */
export function emptyStats(): ConnectionCounts {
  return {
    datagramsIn: 0,
    bytesIn: 0,
    packagesIn: 0,
    dropped: 0,
    overBudget: 0,
    eventsOverBudget: 0,
    fragmentsDropped: 0,
    duplicates: 0,
    stale: 0,
    eventsIn: 0,
    duplicateEvents: 0,
    datagramsOut: 0,
    bytesOut: 0,
    packagesOut: 0,
    eventsOut: 0,
    eventsSent: 0,
    resends: 0,
    acked: 0,
    timedOut: 0,
    encodeFailures: 0,
    blocksOut: 0,
    blocksIn: 0,
    slicesOut: 0,
    sliceResends: 0,
    slicesIn: 0,
    slicesDropped: 0,
  };
}

/** The stats of a connection that counted `counts`, with its latency and its events pending now. */
export function statsOf(
  counts: ConnectionCounts,
  rttMs: number,
  pendingEvents: number,
): ConnectionStats {
  const { acked, timedOut, packagesOut } = counts;
  return {
    ...counts,
    rttMs,
    loss: acked + timedOut === 0 ? 0 : timedOut / (acked + timedOut),
    pendingEvents,
    pendingAcks: packagesOut - acked - timedOut,
  };
}
