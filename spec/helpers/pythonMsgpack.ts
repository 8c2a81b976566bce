import fc from 'fast-check';

/**
 * msgpack as a Python peer writes it (u-msgpack-python, `force_float_precision="single"`), built
 * from a description of Python values: maps keep their keys in the order given, keys may be
 * integers, and floats with integral values stay floats. For checking that what rxgase decodes
 * encodes back to the same bytes.
 */
export type PyValue =
  | { nil: null }
  | { bool: boolean }
  | { int: number }
  | { float: number }
  | { str: string }
  | { bin: Uint8Array }
  | { list: PyValue[] }
  | { dict: [key: string | number, value: PyValue][] };

export const pyValue: fc.Arbitrary<PyValue> = fc.letrec<{ value: PyValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant({ nil: null }),
    fc.boolean().map((bool) => ({ bool })),
    fc.oneof(fc.integer({ min: -40, max: 300 }), fc.maxSafeInteger()).map((int) => ({ int })),
    fc
      .oneof(
        fc.float({ noDefaultInfinity: false }),
        fc.integer({ min: -1000, max: 1000 }).map(Math.fround),
      )
      .filter((x) => !Number.isNaN(x))
      .map((float) => ({ float })),
    fc.string({ unit: 'grapheme', maxLength: 40 }).map((str) => ({ str })),
    fc.uint8Array({ maxLength: 20 }).map((bin) => ({ bin })),
    fc.array(tie('value'), { maxLength: 5 }).map((list) => ({ list })),
    fc
      .uniqueArray(
        fc.tuple(
          fc.oneof(
            fc.integer({ min: -3, max: 20 }),
            fc.constantFrom('a', 'b', '0', '7', 'ä', '01'),
          ),
          tie('value'),
        ),
        { maxLength: 5, selector: ([key]) => String(key) },
      )
      .map((dict) => ({ dict })),
  ),
})).value;

export function writePython(value: PyValue): Uint8Array {
  const out: number[] = [];
  const u = (n: number | bigint, bytes: number): void => {
    for (let i = bytes - 1; i >= 0; i--) out.push(Number((BigInt(n) >> BigInt(8 * i)) & 0xffn));
  };
  const withHead = (headByte: number, n: number | bigint, bytes: number): void => {
    out.push(headByte);
    u(n, bytes);
  };
  const int = (n: number): void => {
    if (n >= 0) {
      if (n < 0x80) out.push(n);
      else if (n < 0x100) out.push(0xcc, n);
      else if (n < 0x10000) withHead(0xcd, n, 2);
      else if (n < 0x100000000) withHead(0xce, n, 4);
      else withHead(0xcf, n, 8);
    } else if (n >= -32) out.push(n + 0x100);
    else if (n >= -0x80) out.push(0xd0, n + 0x100);
    else if (n >= -0x8000) withHead(0xd1, n + 0x10000, 2);
    else if (n >= -0x80000000) withHead(0xd2, n + 0x100000000, 4);
    else withHead(0xd3, BigInt.asUintN(64, BigInt(n)), 8);
  };
  const str = (s: string): void => {
    const bytes = new TextEncoder().encode(s);
    if (bytes.length < 32) out.push(0xa0 + bytes.length);
    else if (bytes.length < 0x100) out.push(0xd9, bytes.length);
    else withHead(0xda, bytes.length, 2);
    out.push(...bytes);
  };
  const head = (size: number, fix: number, head16: number): void => {
    if (size < 16) out.push(fix + size);
    else withHead(head16, size, 2);
  };
  const write = (v: PyValue): void => {
    if ('nil' in v) out.push(0xc0);
    else if ('bool' in v) out.push(v.bool ? 0xc3 : 0xc2);
    else if ('int' in v) int(v.int);
    else if ('float' in v) {
      const view = new DataView(new ArrayBuffer(4));
      view.setFloat32(0, v.float);
      out.push(0xca, ...new Uint8Array(view.buffer));
    } else if ('str' in v) str(v.str);
    else if ('bin' in v) out.push(0xc4, v.bin.length, ...v.bin);
    else if ('list' in v) {
      head(v.list.length, 0x90, 0xdc);
      v.list.forEach(write);
    } else {
      head(v.dict.length, 0x80, 0xde);
      for (const [key, item] of v.dict) {
        if (typeof key === 'number') int(key);
        else str(key);
        write(item);
      }
    }
  };
  write(value);
  return Uint8Array.from(out);
}
