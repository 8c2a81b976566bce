import { BlockReceiver } from '../../lib/connection/blockReceiver';
import { BlockSender } from '../../lib/connection/blockSender';
import { seededRandom } from '../../lib/transport/random';
import {
  MAX_DATAGRAM_SIZE,
  SLICE_SIZE,
  decodeRxgasePacket,
  encodeSlice,
} from '../../lib/protocol/rxgasePackets';
import type { SliceAckPacket, SlicePacket } from '../../lib/protocol/rxgasePackets';

const session = Uint8Array.from({ length: 8 }, (_, i) => 90 + i);
const block = (size: number, seed = 0): Uint8Array =>
  Uint8Array.from({ length: size }, (_, i) => (i * 7 + seed) % 256);

/** A sender whose slices are kept, decoded, with the budget of `slicesPerSecond` full slices. */
function sender(slicesPerSecond = 1000) {
  const slices: SlicePacket[] = [];
  const resent: number[] = [];
  const blocks = new BlockSender({
    session,
    send: (datagram) => slices.push(decodeRxgasePacket(datagram) as SlicePacket),
    bandwidth: slicesPerSecond * MAX_DATAGRAM_SIZE,
    sent: (_bytes, again) => {
      if (again) resent.push(slices.length);
    },
  });
  return { blocks, slices, resent };
}

const ackOf = (datagram: Uint8Array): SliceAckPacket =>
  decodeRxgasePacket(datagram) as SliceAckPacket;

describe('BlockSender', () => {
  it('sends each slice once within its budget, never more than the burst at once', () => {
    const { blocks, slices } = sender(40); // 40 slices a second: 2 in a 50 ms burst
    blocks.send(block(10 * SLICE_SIZE), () => undefined);
    blocks.pump(0, 0);
    expect(slices.map((s) => s.index)).toEqual([0, 1]);
    blocks.pump(25, 0);
    expect(slices.map((s) => s.index)).toEqual([0, 1, 2]);
    blocks.pump(1000, 0);
    expect(slices.map((s) => s.index)).toEqual([0, 1, 2, 3, 4]);
  });

  it('resends only the slices not acked within the timeout, and is done when all are', () => {
    const { blocks, slices, resent } = sender();
    const done = jest.fn();
    const bytes = block(3 * SLICE_SIZE);
    blocks.send(bytes, done);
    blocks.pump(0, 0);
    expect(slices).toHaveLength(3);
    const receiver = new BlockReceiver(session, 1 << 20);
    receiver.receive(slices[0] as SlicePacket);
    const outcome = receiver.receive(slices[2] as SlicePacket);
    if (outcome.kind !== 'taken') throw new Error('refused');
    blocks.acked(ackOf(outcome.ack), 100);
    blocks.pump(110, 0);
    // Two round trips of 100 ms: srtt 100 and rttvar 37.5, so slice 1 goes again after 250 ms.
    blocks.pump(240, 0);
    expect(resent).toEqual([]);
    blocks.pump(260, 0);
    expect(slices.map((s) => s.index)).toEqual([0, 1, 2, 1]);
    expect(resent).toHaveLength(1);
    const last = receiver.receive(slices[3] as SlicePacket);
    if (last.kind !== 'taken') throw new Error('refused');
    expect(last.block).toEqual(bytes);
    blocks.acked(ackOf(last.ack), 300);
    // Acks are taken on the next pump.
    expect(done).not.toHaveBeenCalled();
    blocks.pump(310, 0);
    expect(done).toHaveBeenCalledTimes(1);
    expect(blocks.busy).toBe(false);
  });

  it('waits a second for a first ack before resending, as TCP does, or two round trips of the connection', () => {
    const { blocks, slices } = sender();
    blocks.send(block(10), () => undefined);
    blocks.pump(0, 0);
    blocks.pump(999, 0);
    expect(slices).toHaveLength(1);
    blocks.pump(1000, 0);
    expect(slices).toHaveLength(2);
    blocks.pump(3000, 1500);
    expect(slices).toHaveLength(2);
    blocks.pump(4000, 1500);
    expect(slices).toHaveLength(3);
  });

  it('sends blocks one after another, each under the next id, and ignores acks of another block', () => {
    const { blocks, slices } = sender();
    const done: string[] = [];
    blocks.send(block(10, 1), () => done.push('first'));
    blocks.send(block(20, 2), () => done.push('second'));
    blocks.pump(0, 0);
    expect(slices.map((s) => s.blockId)).toEqual([0]);
    const receiver = new BlockReceiver(session, 1 << 20);
    const outcome = receiver.receive(slices[0] as SlicePacket);
    if (outcome.kind !== 'taken') throw new Error('refused');
    const ack = ackOf(outcome.ack);
    blocks.acked({ ...ack, blockId: 9 }, 10);
    blocks.acked({ ...ack, count: 2 }, 10);
    blocks.pump(15, 0);
    expect(done).toEqual([]);
    blocks.acked(ack, 10);
    blocks.pump(20, 0);
    expect(slices.map((s) => s.blockId)).toEqual([0, 1]);
    expect(done).toEqual(['first']);
    blocks.clear();
    expect(blocks.busy).toBe(false);
  });
});

describe('BlockReceiver', () => {
  const slicesOf = (bytes: Uint8Array, id: number): SlicePacket[] =>
    Array.from(
      { length: Math.ceil(bytes.length / SLICE_SIZE) },
      (_, i) =>
        decodeRxgasePacket(
          encodeSlice(
            session,
            id,
            bytes.length,
            i,
            bytes.subarray(i * SLICE_SIZE, (i + 1) * SLICE_SIZE),
          ),
        ) as SlicePacket,
    );

  it('puts a block together from slices in any order and duplicates, acking each with the whole bitmap', () => {
    const bytes = block(3 * SLICE_SIZE + 1);
    const [a, b, c, d] = slicesOf(bytes, 4) as [SlicePacket, SlicePacket, SlicePacket, SlicePacket];
    const receiver = new BlockReceiver(session, 1 << 20);
    const bitmaps = [d, b, d, a, c].map((slice) => {
      const outcome = receiver.receive(slice);
      if (outcome.kind !== 'taken') throw new Error('refused');
      return { bits: ackOf(outcome.ack).received[0], block: outcome.block };
    });
    expect(bitmaps.map((m) => m.bits)).toEqual([0b1000, 0b1010, 0b1010, 0b1011, 0b1111]);
    expect(bitmaps.slice(0, 4).every((m) => m.block === undefined)).toBe(true);
    expect(bitmaps[4]?.block).toEqual(bytes);
    // A slice of the block completed again: its sender missed the ack, so it gets it again.
    const again = receiver.receive(b);
    if (again.kind !== 'taken') throw new Error('refused');
    expect(again.block).toBeUndefined();
    expect(ackOf(again.ack).received[0]).toBe(0b1111);
  });

  it('starts a newer block over the one under way, and refuses older ones and ones too large', () => {
    const receiver = new BlockReceiver(session, 4 * SLICE_SIZE);
    const [first] = slicesOf(block(2 * SLICE_SIZE, 1), 0xffff);
    const newer = slicesOf(block(2 * SLICE_SIZE, 2), 0);
    expect(receiver.receive(first as SlicePacket).kind).toBe('taken');
    expect(receiver.receive(newer[0] as SlicePacket).kind).toBe('taken');
    expect(receiver.receive(first as SlicePacket)).toEqual({ kind: 'refused', reason: 'stale' });
    const done = receiver.receive(newer[1] as SlicePacket);
    expect(done).toMatchObject({ kind: 'taken', block: block(2 * SLICE_SIZE, 2) });
    const [large] = slicesOf(block(5 * SLICE_SIZE), 1);
    expect(receiver.receive(large as SlicePacket)).toEqual({
      kind: 'refused',
      reason: 'too large',
    });
    receiver.clear();
  });
});

describe('a block over a lossy link', () => {
  it('arrives whole through 25% loss each way, sending about 1 / 0.75 of its slices', () => {
    const random = seededRandom(5);
    const bytes = block(200 * SLICE_SIZE);
    const { blocks, slices } = sender(400);
    const receiver = new BlockReceiver(session, 1 << 20);
    let whole: Uint8Array | undefined;
    const done = jest.fn();
    blocks.send(bytes, done);
    // A 100 ms round trip: what goes out at t arrives at t + 50, its ack back at t + 100.
    const inFlight: Array<{ at: number; run: () => void }> = [];
    let delivered = 0;
    for (let now = 0; now < 20_000 && done.mock.calls.length === 0; now += 25) {
      for (const due of inFlight.filter((x) => x.at <= now)) due.run();
      inFlight.splice(0, inFlight.length, ...inFlight.filter((x) => x.at > now));
      blocks.pump(now, 100);
      for (; delivered < slices.length; delivered++) {
        const slice = slices[delivered] as SlicePacket;
        if (random() < 0.25) continue;
        inFlight.push({
          at: now + 50,
          run: () => {
            const outcome = receiver.receive(slice);
            if (outcome.kind !== 'taken') return;
            whole ??= outcome.block;
            if (random() < 0.25) return;
            const ack = ackOf(outcome.ack);
            inFlight.push({ at: now + 100, run: () => blocks.acked(ack, now + 100) });
          },
        });
      }
    }
    expect(whole).toEqual(bytes);
    expect(done).toHaveBeenCalledTimes(1);
    expect(slices.length / 200).toBeGreaterThan(1.25);
    expect(slices.length / 200).toBeLessThan(1.45);
  });
});
