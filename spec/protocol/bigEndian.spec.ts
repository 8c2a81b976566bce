import { readU16, readU32 } from '../../lib/protocol/bigEndian';

/** What a DataView reads: the reference the hand-written reads must match. */
function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

describe('big-endian reads', () => {
  const bytes = Uint8Array.of(0x00, 0xff, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x01, 0x12, 0x34);

  it.each([0, 1, 4, 5, 9])('reads the unsigned 16-bit integer at %p as a DataView does', (at) => {
    expect(readU16(bytes, at)).toBe(view(bytes).getUint16(at));
  });

  it.each([0, 1, 4, 5, 7])('reads the unsigned 32-bit integer at %p as a DataView does', (at) => {
    expect(readU32(bytes, at)).toBe(view(bytes).getUint32(at));
  });

  it('reads the largest values unsigned, not negative', () => {
    expect(readU16(bytes, 1)).toBe(0xffff);
    expect(readU32(bytes, 1)).toBe(0xffffffff);
    expect(readU32(bytes, 5)).toBe(0x80000001);
  });

  it('counts offsets from the start of a view into a larger buffer', () => {
    const sub = bytes.subarray(9);
    expect(readU16(sub, 0)).toBe(0x1234);
  });
});
