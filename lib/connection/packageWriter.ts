import { appendEvents } from '../protocol/encode';
import type { Header } from '../protocol/header';
import type { Package } from '../protocol/packages';
import type { Framing } from './framing';
import { NO_EVENTS } from './outgoingEvents';
import type { OutgoingEvents } from './outgoingEvents';
import type { PackageCodec } from './packageCodec';
import type { ConnectionCounts } from './stats';

/** The ids of a package without events. */
const NO_IDS: readonly number[] = [];

/**
 * Writes a connection's packages: what the codec puts in every package (a server's state update,
 * a client's `time_order`), then the events waiting that fit, in the connection's framing.
 */
export class PackageWriter<P extends Package> {
  constructor(
    private readonly outgoing: OutgoingEvents,
    private readonly framing: Framing,
    private readonly codec: PackageCodec<P>,
    private readonly counts: ConnectionCounts,
  ) {}

  /** Bytes a package has for events, under the framing's limit. */
  room(): number {
    return this.framing.maxSize - this.framing.overhead - this.codec.baseSize();
  }

  /**
   * The package to send with this header, counted; `undefined` when what rides beside the events
   * could not be encoded: the events it would have carried fail with the reason.
   */
  write(header: Header): Uint8Array | undefined {
    const { outgoing, framing, counts } = this;
    // Most packages carry no event: then there is no room to work out.
    const batch = outgoing.waiting ? outgoing.take(this.room(), framing.maxEvents) : NO_EVENTS;
    let datagram: Uint8Array;
    try {
      const pkg = this.codec.encode(header);
      datagram =
        batch.length === 0
          ? framing.encode(pkg, NO_IDS)
          : framing.encode(
              appendEvents(
                pkg,
                batch.map((pending) => pending.bytes),
                framing.maxSize,
              ),
              batch.map((pending) => pending.id),
            );
    } catch (error) {
      outgoing.fail(batch, error);
      counts.encodeFailures++;
      return undefined;
    }
    outgoing.sent(header.sequence, batch);
    counts.datagramsOut++;
    counts.packagesOut++;
    counts.bytesOut += datagram.length;
    counts.eventsSent += batch.length;
    return datagram;
  }
}
