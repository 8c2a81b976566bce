import {
  MAX_DATAGRAM_SIZE,
  SLICE_ACK_OVERHEAD,
  SLICE_OVERHEAD,
  SLICE_SIZE,
  decodeRxgasePacket,
  encodeSlice,
  encodeSliceAck,
  sliceCount,
} from '../../lib/protocol/rxgasePackets';

const session = Uint8Array.from({ length: 8 }, (_, i) => 40 + i);
const block = (size: number): Uint8Array => Uint8Array.from({ length: size }, (_, i) => i % 251);

function code(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as { code: string }).code;
  }
  return 'no error';
}

describe('slices and slice acks', () => {
  it('fills a datagram with each slice but the last, and reads back what it writes', () => {
    const bytes = block(2 * SLICE_SIZE + 10);
    expect(sliceCount(bytes.length)).toBe(3);
    const first = encodeSlice(session, 7, bytes.length, 0, bytes.subarray(0, SLICE_SIZE));
    const last = encodeSlice(session, 7, bytes.length, 2, bytes.subarray(2 * SLICE_SIZE));
    expect(first.length).toBe(MAX_DATAGRAM_SIZE);
    expect(last.length).toBe(SLICE_OVERHEAD + 10);
    expect(decodeRxgasePacket(first)).toEqual({
      kind: 'slice',
      session,
      blockId: 7,
      blockSize: bytes.length,
      index: 0,
      bytes: bytes.subarray(0, SLICE_SIZE),
    });
    expect(decodeRxgasePacket(last)).toMatchObject({
      index: 2,
      bytes: bytes.subarray(2 * SLICE_SIZE),
    });
  });

  it('writes the block id across the wrap in 16 bits', () => {
    const slice = encodeSlice(session, 0x1_0005, 3, 0, block(3));
    expect(decodeRxgasePacket(slice)).toMatchObject({ blockId: 5 });
  });

  it('acks with a bit per slice, slice i at bit i % 8 of byte i / 8', () => {
    const received = Uint8Array.of(0b1000_0001, 0b0000_0010);
    const ack = encodeSliceAck(session, 3, 10, received);
    expect(ack.length).toBe(SLICE_ACK_OVERHEAD + 2);
    expect(decodeRxgasePacket(ack)).toEqual({
      kind: 'slice ack',
      session,
      blockId: 3,
      count: 10,
      received,
    });
  });

  it('refuses to write a slice of the wrong size or index, or a bitmap of the wrong length', () => {
    const size = 2 * SLICE_SIZE;
    expect(code(() => encodeSlice(session, 1, size, 0, block(SLICE_SIZE - 1)))).toBe(
      'ERR_MALFORMED_PAYLOAD',
    );
    expect(code(() => encodeSlice(session, 1, size, 2, block(0)))).toBe('ERR_MALFORMED_PAYLOAD');
    expect(code(() => encodeSlice(session, 1, 0xffff * SLICE_SIZE + 1, 0, block(SLICE_SIZE)))).toBe(
      'ERR_MALFORMED_PAYLOAD',
    );
    expect(code(() => encodeSliceAck(session, 1, 9, Uint8Array.of(1)))).toBe(
      'ERR_MALFORMED_PAYLOAD',
    );
  });

  it('refuses to read a slice that does not fit its block, or an ack whose bitmap is cut', () => {
    const slice = encodeSlice(session, 1, SLICE_SIZE + 5, 1, block(5));
    expect(code(() => decodeRxgasePacket(slice.subarray(0, slice.length - 1)))).toBe(
      'ERR_TRUNCATED_DATAGRAM',
    );
    expect(code(() => decodeRxgasePacket(Uint8Array.of(...slice, 0)))).toBe(
      'ERR_MALFORMED_PAYLOAD',
    );
    const beyond = slice.slice();
    beyond[SLICE_OVERHEAD - 1] = 2; // slice 2 of a block of two
    expect(code(() => decodeRxgasePacket(beyond))).toBe('ERR_MALFORMED_PAYLOAD');
    expect(code(() => decodeRxgasePacket(slice.subarray(0, SLICE_OVERHEAD - 1)))).toBe(
      'ERR_TRUNCATED_DATAGRAM',
    );
    const ack = encodeSliceAck(session, 1, 16, Uint8Array.of(1, 2));
    expect(code(() => decodeRxgasePacket(ack.subarray(0, ack.length - 1)))).toBe(
      'ERR_TRUNCATED_DATAGRAM',
    );
    expect(code(() => decodeRxgasePacket(ack.subarray(0, SLICE_ACK_OVERHEAD - 1)))).toBe(
      'ERR_TRUNCATED_DATAGRAM',
    );
  });
});
