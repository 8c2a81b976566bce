/** What went through a connection, counted from its start. */
export interface ConnectionStats {
  /** Datagrams and bytes received from the peer, whatever became of them. */
  readonly datagramsIn: number;
  readonly bytesIn: number;
  /** Packages taken: new or late, not duplicates, stale or undecodable. */
  readonly packagesIn: number;
  /** Datagrams that did not decode, dropped. */
  readonly dropped: number;
  /** Packages seen before, dropped. */
  readonly duplicates: number;
  /** Packages more than 32 behind the newest, dropped. */
  readonly stale: number;
  /** Events received in packages taken. */
  readonly eventsIn: number;
  /** Datagrams and bytes sent. */
  readonly datagramsOut: number;
  readonly bytesOut: number;
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
}

/** Stats with every count at 0, for a new connection to count into. */
export function emptyStats(): { -readonly [K in keyof ConnectionStats]: number } {
  return {
    datagramsIn: 0,
    bytesIn: 0,
    packagesIn: 0,
    dropped: 0,
    duplicates: 0,
    stale: 0,
    eventsIn: 0,
    datagramsOut: 0,
    bytesOut: 0,
    eventsOut: 0,
    eventsSent: 0,
    resends: 0,
    acked: 0,
    timedOut: 0,
    encodeFailures: 0,
  };
}
