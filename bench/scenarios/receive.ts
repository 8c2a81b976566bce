import { Observable, VirtualTimeScheduler } from 'rxjs';
import type { Subscriber } from 'rxjs';
import {
  Connection,
  HEADER_SIZE,
  decodeClientPackage,
  encodeClientPackage,
  encodePackage,
} from '../../lib/index';
import type { ClientPackage, PackageCodec } from '../../lib/index';
import { MAX_SEQUENCE } from '../../lib/protocol/constants';
import { decodeRxgasePacket, encodeData } from '../../lib/protocol/rxgasePackets';
import type { Result } from '../measure';
import { now } from '../measure';

/** The session token of the rxgase-framed connection. */
const SESSION = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);

/**
 * A server's side of a client connection as far as receiving goes: client packages in. What it
 * sends is never read here (its timers never run), so it sends bare headers.
 */
const clientPackagesIn: PackageCodec<ClientPackage> = {
  decode: decodeClientPackage,
  encode: (header) => encodePackage({ header, events: [] }),
  baseSize: () => HEADER_SIZE,
};

/**
 * One lap of the sequence numbers, 1 to 65535, as a client in sync with the state sends them:
 * acks for the server's packages and a `time_order`, no event. After the last comes the first
 * again, which is the next in the cycle, so the stream can go round for as long as it is timed.
 */
function lap(framed: boolean): Uint8Array[] {
  const datagrams: Uint8Array[] = [];
  for (let sequence = 1; sequence <= MAX_SEQUENCE; sequence++) {
    const header = { sequence, ack: sequence, ackBitfield: 0xffffffff };
    const pkg = encodeClientPackage({ header, timeOrder: sequence, events: [] });
    datagrams.push(framed ? encodeData(SESSION, [], pkg) : pkg);
  }
  return datagrams;
}

/** Nanoseconds per datagram of one pass of `each` over `datagrams`. */
function timeLap(datagrams: readonly Uint8Array[], each: (datagram: Uint8Array) => void): number {
  const start = now();
  for (let i = 0; i < datagrams.length; i++) each(datagrams[i] as Uint8Array);
  return Number(now() - start) / datagrams.length;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/**
 * What one datagram costs a `Connection` that receives it, against decoding it bare: a stream of
 * valid client packages pushed into the connection's `incoming$` from a plain loop, in one
 * process, no socket. Its timers run on a virtual scheduler that is never flushed, so only the
 * receive path is timed: no send beat, no ack timeout, no silence timer fires.
 *
 * Laps of the connection and of the bare decode alternate, each lap a pass over all 65535
 * sequence numbers, for about `ms` in all; each figure is the median of its laps.
 *
 * @throws If the connection did not take every datagram as a new package: the figure would time
 *   something else.
 */
function receivePath(framed: boolean, ms: number): { connection: number; decode: number } {
  const datagrams = lap(framed);
  let push: Subscriber<Uint8Array> | undefined;
  const connection = new Connection<ClientPackage>({
    remote: { host: '127.0.0.1', port: 9 },
    incoming$: new Observable<Uint8Array>((subscriber) => {
      push = subscriber;
    }),
    send: () => undefined,
    codec: clientPackagesIn,
    scheduler: new VirtualTimeScheduler(),
    ...(framed ? { session: SESSION } : {}),
  }).open();
  const sink = push;
  if (sink === undefined) throw new Error('the connection did not subscribe to incoming$');
  const receive = (datagram: Uint8Array): void => sink.next(datagram);
  const decode = framed
    ? (datagram: Uint8Array): void => {
        const packet = decodeRxgasePacket(datagram);
        if (packet.kind === 'data') decodeClientPackage(packet.package);
      }
    : (datagram: Uint8Array): void => void decodeClientPackage(datagram);
  // A lap of each to warm up, then laps in turn, so both meet the same moments of a noisy machine.
  timeLap(datagrams, receive);
  timeLap(datagrams, decode);
  const connectionLaps: number[] = [];
  const decodeLaps: number[] = [];
  const began = now();
  const budget = BigInt(Math.round(ms * 1e6));
  do {
    connectionLaps.push(timeLap(datagrams, receive));
    decodeLaps.push(timeLap(datagrams, decode));
  } while (now() - began < budget);
  const stats = connection.stats;
  const laps = 1 + connectionLaps.length;
  connection.close();
  if (stats.packagesIn !== laps * datagrams.length || stats.dropped !== 0) {
    throw new Error(
      `the connection took ${stats.packagesIn} of ${laps * datagrams.length} datagrams as new packages (${stats.dropped} dropped)`,
    );
  }
  return { connection: median(connectionLaps), decode: median(decodeLaps) };
}

/**
 * The receive path's nanoseconds per datagram, for a connection with PyGaSe's framing and one with
 * rxgase's (session token and event ids), each against the bare decode of the same datagrams
 * (`decodeClientPackage`, after `decodeRxgasePacket` for rxgase's): ratio = connection / decode.
 */
export function receive(ms = 1000): Result[] {
  const results: Result[] = [];
  for (const framed of [false, true]) {
    const { connection, decode } = receivePath(framed, ms / 2);
    const prefix = framed ? 'receive.rxgase_' : 'receive.';
    results.push(
      {
        name: `${prefix}ns_per_datagram`,
        value: connection,
        unit: 'ns',
        baseline: decode,
        ratio: connection / decode,
      },
      {
        name: `${prefix}decode_ns_per_datagram`,
        value: decode,
        unit: 'ns',
        baseline: NaN,
        ratio: NaN,
      },
    );
  }
  return results;
}
