import type { ConnectionStats } from '../connection/stats';

/** The connection counts a server adds up. */
export const SUMMED = [
  'packagesIn',
  'dropped',
  'overBudget',
  'eventsOverBudget',
  'fragmentsDropped',
  'duplicates',
  'stale',
  'eventsIn',
  'duplicateEvents',
  'datagramsOut',
  'bytesOut',
  'resends',
  'acked',
  'timedOut',
  'encodeFailures',
] as const satisfies readonly (keyof ConnectionStats)[];

/** The names of the connection counts a server adds up. */
type SummedKey = (typeof SUMMED)[number];

export type Summed = { -readonly [K in SummedKey]: number };

/**
 * What went through a server, counted from its start. Every datagram received lands in exactly
 * one of `rateLimited`, `malformed`, `refused`, `control` and `routed`; what was routed is counted
 * further by its connection, whose counts the server adds up (closed connections included): the
 * fields it shares with {@link ConnectionStats} are sums over every connection the server had.
 *
 * @category Server/Backend
 */
export interface ServerStats extends Pick<ConnectionStats, SummedKey> {
  /** Datagrams and bytes received, whatever became of them. */
  readonly datagramsIn: number;
  readonly bytesIn: number;
  /** Dropped: their address sent more than its rate limit allows. */
  readonly rateLimited: number;
  /** Dropped: from no client, and not a package or packet that decodes. */
  readonly malformed: number;
  /**
   * Dropped: they decode, but are not taken: a bad or stale cookie, another session's token, a
   * shutdown request without the host's token, a legacy peer when those are refused, a new client
   * when the server is full.
   */
  readonly refused: number;
  /**
   * Of `refused`: the shutdown requests refused (an rxgase request, or PyGaSe's shutdown word),
   * from a client that is not the host, from no client, or from any while the server's
   * `remoteShutdown` is false.
   */
  readonly shutdownsRefused: number;
  /**
   * Of `refused`: challenge responses whose cookie opened a session, or was refused, before: a
   * replay, from the client's address or any other. (A client's own copy sent again before it
   * sent anything of its session gets its accept again, in `control`.)
   */
  readonly replaysRefused: number;
  /**
   * Used cookies forgotten while still good, the oldest first, to bound the server's memory
   * (65,536 are remembered): a replay of one of them would open a session again.
   */
  readonly cookiesForgotten: number;
  /**
   * Of `refused`: rxgase data packets and shutdown requests with a session token the server does
   * not know, from an address that has no session (it ended, or the server restarted).
   */
  readonly unknownSessions: number;
  /**
   * Closes sent for those, with the reason `unknown session`: at most 50 a second, all addresses
   * together, and none larger than the packet it answers.
   */
  readonly unknownSessionCloses: number;
  /**
   * New clients refused with `server full` (rxgase clients are told, PyGaSe clients are not): the
   * server was full, or their IP address held `maxClientsPerAddress` places already (those also
   * in `refusedPerAddress`). Counted beside the datagram's own count (`control`, `refused`).
   */
  readonly refusedFull: number;
  readonly refusedPerAddress: number;
  /**
   * Handshake and control packets acted on: connect requests, challenge responses, closes (a
   * farewell's repeats too, answered again).
   */
  readonly control: number;
  /** Handed to a client's connection, which counts them again below. */
  readonly routed: number;
  /**
   * Datagrams not sent: to a PyGaSe client not yet verified, they would have made more bytes than
   * came from its address.
   */
  readonly withheld: number;
  /**
   * Connections of PyGaSe clients closed before they were verified: they acked a package never
   * sent to their address, or made way for a newer one after waiting longest, or came when the
   * server was full.
   */
  readonly unverifiedClosed: number;
  /**
   * Connections closed because the game state stayed unsendable to the client for a second (too
   * large for a package, or not encodable): rxgase clients told `state too large`, PyGaSe clients
   * dropped. Each one is in the log, and its cause on the server's `errors$`.
   */
  readonly unsendableClosed: number;
  /**
   * The bytes of rxgase fragments held now, of messages not yet whole, all clients together: never
   * over the server's `maxReassemblyBytes`.
   */
  readonly reassemblyBytes: number;
  /**
   * Connections now (PyGaSe clients not yet verified by an ack included), connections opened, and
   * connections ended.
   */
  readonly clients: number;
  readonly connects: number;
  readonly disconnects: number;
}

/** The counts of the server's own. */
export type GateCounts = {
  -readonly [K in Exclude<keyof ServerStats, SummedKey | 'clients' | 'reassemblyBytes'>]: number;
};

/** Counts at zero. */
export function emptyGateCounts(): GateCounts {
  return {
    datagramsIn: 0,
    bytesIn: 0,
    rateLimited: 0,
    malformed: 0,
    refused: 0,
    shutdownsRefused: 0,
    replaysRefused: 0,
    cookiesForgotten: 0,
    unknownSessions: 0,
    unknownSessionCloses: 0,
    refusedFull: 0,
    refusedPerAddress: 0,
    control: 0,
    routed: 0,
    withheld: 0,
    unverifiedClosed: 0,
    unsendableClosed: 0,
    connects: 0,
    disconnects: 0,
  };
}

/** Sums at zero. */
export function emptySums(): Summed {
  return Object.fromEntries(SUMMED.map((key) => [key, 0])) as Summed;
}

/** Adds the counts of `stats` to `sums`. */
export function addUp(sums: Summed, stats: ConnectionStats): void {
  for (const key of SUMMED) sums[key] += stats[key];
}
