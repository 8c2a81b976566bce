import { SLICE_SIZE, sliceCount } from '../protocol/rxgaseConstants';
import type { SlicePacket } from '../protocol/rxgaseDecode';
import { encodeSliceAck } from '../protocol/rxgaseEncode';

/** A block being received: its bytes so far and which slices came. */
interface Incoming {
  readonly id: number;
  readonly size: number;
  readonly count: number;
  readonly bytes: Uint8Array;
  readonly received: Uint8Array;
  remaining: number;
}

/** What became of a slice: the ack to send, and the block's bytes if it is now whole. */
export type SliceOutcome =
  | { readonly kind: 'taken'; readonly ack: Uint8Array; readonly block?: Uint8Array }
  | { readonly kind: 'refused'; readonly reason: 'too large' | 'stale' };

/**
 * Puts blocks together from their slices, one block at a time: a slice of a newer block than the
 * one under way starts that block, and the one under way is forgotten (its sender moved on). Each
 * slice taken, a duplicate too, is answered with the block's whole bitmap, so the sender learns
 * what came even when acks are lost; so are slices of the block completed last, whose sender
 * may not know yet. Memory is one block at most, of at most `maxBlockSize` bytes.
 */
export class BlockReceiver {
  private block: Incoming | undefined;
  /** The block completed last, to ack again: its sender may have missed the acks. */
  private last: { id: number; count: number; ack: Uint8Array } | undefined;

  constructor(
    private readonly session: Uint8Array,
    private readonly maxBlockSize: number,
  ) {}

  /** Takes a slice whose session was checked. */
  receive(slice: SlicePacket): SliceOutcome {
    const { blockId, blockSize, index } = slice;
    if (this.last?.id === blockId && this.last.count === sliceCount(blockSize)) {
      return { kind: 'taken', ack: this.last.ack };
    }
    let block = this.block;
    if (block === undefined || block.id !== blockId || block.size !== blockSize) {
      if (!this.newer(blockId)) return { kind: 'refused', reason: 'stale' };
      if (blockSize > this.maxBlockSize) return { kind: 'refused', reason: 'too large' };
      const count = sliceCount(blockSize);
      block = {
        id: blockId,
        size: blockSize,
        count,
        bytes: new Uint8Array(blockSize),
        received: new Uint8Array(Math.ceil(count / 8)),
        remaining: count,
      };
      this.block = block;
    }
    const bit = 1 << (index & 7);
    if (((block.received[index >> 3] as number) & bit) === 0) {
      block.received[index >> 3] = (block.received[index >> 3] as number) | bit;
      block.bytes.set(slice.bytes, index * SLICE_SIZE);
      block.remaining--;
    }
    const ack = encodeSliceAck(this.session, block.id, block.count, block.received);
    if (block.remaining > 0) return { kind: 'taken', ack };
    this.block = undefined;
    this.last = { id: block.id, count: block.count, ack };
    return { kind: 'taken', ack, block: block.bytes };
  }

  /** Forgets the block under way. */
  clear(): void {
    this.block = undefined;
  }

  /** Whether a block id is newer than the blocks seen: ids count up by one, across the wrap. */
  private newer(id: number): boolean {
    const seen = this.block?.id ?? this.last?.id;
    if (seen === undefined) return true;
    const ahead = (id - seen) & 0xffff;
    return ahead !== 0 && ahead < 0x8000;
  }
}
