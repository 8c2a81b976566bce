import { AsyncSubject, Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import { MAX_SLICES, PacketKind, SLICE_SIZE } from '../protocol/rxgaseConstants';
import { decodeRxgasePacket, isRxgasePacket, sameBytes } from '../protocol/rxgaseDecode';
import type { RxgaseError } from '../protocol/errors';
import { PackageOverflowError } from '../protocol/errors';
import { BlockReceiver } from './blockReceiver';
import { BlockSender } from './blockSender';
import type { ConnectionCounts } from './stats';

/** What a connection's blocks need of it. */
export interface BlocksOptions {
  readonly session: Uint8Array;
  readonly send: (datagram: Uint8Array) => void;
  /** Bytes per second the slices sent may take. */
  readonly bandwidth: number;
  /** The largest block taken from the peer; 0: none. */
  readonly maxBlockSize: number;
  readonly counts: ConnectionCounts;
  /** A slice or slice ack that did not decode, or was refused. */
  readonly dropped: (reason: string) => void;
  /** The peer sends a block larger than `maxBlockSize`: it would send it for ever. */
  readonly tooLarge: (size: number) => void;
}

/**
 * A connection's blocks, both ways: those it sends (see {@link BlockSender}) and those it takes
 * (see {@link BlockReceiver}), counted in the connection's stats. Only rxgase peers have them.
 */
export class ConnectionBlocks {
  /** Each block taken whole, in the order completed. */
  readonly blocks$: Observable<Uint8Array>;

  private readonly sender: BlockSender;
  private readonly receiver: BlockReceiver | undefined;
  private readonly taken = new Subject<Uint8Array>();
  private readonly outcomes = new Set<AsyncSubject<void>>();

  constructor(private readonly options: BlocksOptions) {
    const { counts } = options;
    this.sender = new BlockSender({
      session: options.session,
      send: options.send,
      bandwidth: options.bandwidth,
      sent: (bytes, again) => {
        counts.slicesOut++;
        counts.datagramsOut++;
        counts.bytesOut += bytes;
        if (again) counts.sliceResends++;
      },
    });
    this.receiver =
      options.maxBlockSize > 0
        ? new BlockReceiver(options.session, options.maxBlockSize)
        : undefined;
    this.blocks$ = this.taken.asObservable();
  }

  /** Whether a datagram is a slice or a slice ack: then {@link take} is to have it. */
  static isBlockPacket(datagram: Uint8Array): boolean {
    const kind = datagram[4];
    return (kind === PacketKind.Slice || kind === PacketKind.SliceAck) && isRxgasePacket(datagram);
  }

  /** Queues a block; the result completes once the peer holds all of it. */
  send(bytes: Uint8Array): Observable<void> {
    if (bytes.length > MAX_SLICES * SLICE_SIZE) {
      throw new PackageOverflowError(
        `a block has at most ${MAX_SLICES * SLICE_SIZE} bytes, this one ${bytes.length}`,
      );
    }
    const outcome = new AsyncSubject<void>();
    this.outcomes.add(outcome);
    this.sender.send(bytes, () => {
      this.outcomes.delete(outcome);
      this.options.counts.blocksOut++;
      outcome.next();
      outcome.complete();
    });
    return outcome.asObservable();
  }

  /** Takes a slice or slice ack of the peer's. */
  take(datagram: Uint8Array, now: number): void {
    const { counts, dropped } = this.options;
    let packet;
    try {
      packet = decodeRxgasePacket(datagram);
    } catch (error) {
      counts.dropped++;
      return dropped((error as RxgaseError).message);
    }
    if (
      (packet.kind !== 'slice' && packet.kind !== 'slice ack') ||
      !sameBytes(packet.session, this.options.session)
    ) {
      counts.dropped++;
      return dropped('a slice or slice ack of another session');
    }
    if (packet.kind === 'slice ack') return this.sender.acked(packet, now);
    counts.slicesIn++;
    if (this.receiver === undefined) {
      counts.slicesDropped++;
      return dropped('a slice, where no block is taken');
    }
    const outcome = this.receiver.receive(packet);
    if (outcome.kind === 'refused') {
      counts.slicesDropped++;
      if (outcome.reason === 'too large') this.options.tooLarge(packet.blockSize);
      return dropped(`a slice of block ${packet.blockId} (${outcome.reason})`);
    }
    this.options.send(outcome.ack);
    counts.datagramsOut++;
    counts.bytesOut += outcome.ack.length;
    if (outcome.block === undefined) return;
    counts.blocksIn++;
    this.taken.next(outcome.block);
  }

  /**
   * Sends the slices due now, within the budget.
   *
   * @return Whether blocks are still on their way or waiting.
   */
  pump(now: number, latencyMs: number): boolean {
    this.sender.pump(now, latencyMs);
    return this.sender.busy;
  }

  /** Ends every block: those not delivered fail with `error`. */
  close(error: Error): void {
    this.sender.clear();
    this.receiver?.clear();
    for (const outcome of this.outcomes) outcome.error(error);
    this.outcomes.clear();
    this.taken.complete();
  }
}
