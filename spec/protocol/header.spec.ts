import { HEADER_SIZE } from '../../lib/protocol/constants';
import {
  ProtocolIdMismatchError,
  SequenceRangeError,
  TruncatedDatagramError,
  UnencodableValueError,
} from '../../lib/protocol/errors';
import type { Header } from '../../lib/protocol/header';
import { acknowledges, readHeader, writeHeader } from '../../lib/protocol/header';

const write = (header: Header): Uint8Array => {
  const bytes = new Uint8Array(HEADER_SIZE);
  writeHeader(new DataView(bytes.buffer), header);
  return bytes;
};
const read = (bytes: Uint8Array): Header =>
  readHeader(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('the header', () => {
  it('is written big-endian after the protocol id', () => {
    expect(hex(write({ sequence: 500, ack: 499, ackBitfield: 0x8000ffff }))).toBe(
      'ffd0fab901f401f38000ffff',
    );
  });

  it.each<Header>([
    { sequence: 0, ack: 0, ackBitfield: 0 },
    { sequence: 1, ack: 0, ackBitfield: 0 },
    { sequence: 4, ack: 5, ackBitfield: 0xaaaaaaaa },
    { sequence: 65535, ack: 1, ackBitfield: 0x40000000 },
    { sequence: 65535, ack: 65535, ackBitfield: 0xffffffff },
  ])('reads back what was written: %p', (header) => {
    expect(read(write(header))).toEqual(header);
  });

  it('exposes the bitfield as an unsigned number, most significant bit = ack - 1', () => {
    const header = read(Uint8Array.from(Buffer.from('ffd0fab9000a0009ffffffff', 'hex')));
    expect(header.ackBitfield).toBe(0xffffffff);
    expect(read(Uint8Array.from(Buffer.from('ffd0fab9ffff000180000000', 'hex'))).ackBitfield).toBe(
      2 ** 31,
    );
  });

  it('throws a SequenceRangeError for a sequence or ack out of range', () => {
    expect(() => write({ sequence: 65536, ack: 0, ackBitfield: 0 })).toThrow(SequenceRangeError);
    expect(() => write({ sequence: 1, ack: -1, ackBitfield: 0 })).toThrow(SequenceRangeError);
  });

  it.each([-1, 2 ** 32, 0.5, NaN])(
    'throws an UnencodableValueError for the bitfield %p',
    (ackBitfield) => {
      expect(() => write({ sequence: 1, ack: 1, ackBitfield })).toThrow(UnencodableValueError);
    },
  );

  it('throws a ProtocolIdMismatchError when the id is wrong', () => {
    const bytes = write({ sequence: 1, ack: 2, ackBitfield: 0 });
    expect(() => read(bytes.subarray(1))).toThrow(ProtocolIdMismatchError);
    bytes[3] = 0xb8;
    expect(() => read(bytes)).toThrow(
      expect.objectContaining({ code: 'ERR_PROTOCOL_ID_MISMATCH' }),
    );
  });

  it('throws a TruncatedDatagramError when the id is right but bytes are missing', () => {
    const bytes = write({ sequence: 1, ack: 2, ackBitfield: 0 });
    for (let length = 0; length < HEADER_SIZE; length++) {
      expect(() => read(bytes.subarray(0, length))).toThrow(TruncatedDatagramError);
    }
  });
});

describe('acknowledges', () => {
  const header = (ack: number, ackBitfield: number): Header => ({ sequence: 9, ack, ackBitfield });

  it('acknowledges the ack itself', () => {
    expect(acknowledges(header(4, 0), 4)).toBe(true);
  });

  it("reads PyGaSe's example: ack 4 with bits 01 acknowledges 4 and 2, not 3 or 5", () => {
    const bits = 0b01 << 30;
    expect([2, 3, 4, 5].map((sqn) => acknowledges(header(4, bits), sqn))).toEqual([
      true,
      false,
      true,
      false,
    ]);
  });

  it('uses all 32 bits: bit 31 is ack - 1 and bit 0 is ack - 32', () => {
    expect(acknowledges(header(100, 2 ** 31), 99)).toBe(true);
    expect(acknowledges(header(100, 1), 68)).toBe(true);
    expect(acknowledges(header(100, 1), 69)).toBe(false);
    expect(acknowledges(header(100, 0xffffffff), 67)).toBe(false);
  });

  it('counts back across the wrap, where 1 follows 65535', () => {
    expect(acknowledges(header(2, 0b11 << 30), 1)).toBe(true);
    expect(acknowledges(header(2, 0b11 << 30), 65535)).toBe(true);
    expect(acknowledges(header(2, 0b111 << 29), 65534)).toBe(true);
  });

  it('acknowledges nothing before the first package arrived, and never sequence 0', () => {
    expect(acknowledges(header(0, 0xffffffff), 0)).toBe(false);
    expect(acknowledges(header(0, 0xffffffff), 65535)).toBe(false);
    expect(acknowledges(header(3, 0xffffffff), 0)).toBe(false);
  });

  it('does not acknowledge packages newer than the ack', () => {
    expect(acknowledges(header(4, 0xffffffff), 5)).toBe(false);
  });
});
