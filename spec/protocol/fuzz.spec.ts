import { MAX_PACKAGE_SIZE } from '../../lib/protocol/constants';
import { decodeClientPackage, decodePackage, decodeServerPackage } from '../../lib/protocol/decode';
import { encodeClientPackage, encodePackage, encodeServerPackage } from '../../lib/protocol/encode';
import {
  MalformedPayloadError,
  PackageOverflowError,
  ProtocolIdMismatchError,
  TruncatedDatagramError,
} from '../../lib/protocol/errors';
import type { ClientPackage, Package, ServerPackage } from '../../lib/protocol/packages';
import { seededRandom } from '../../lib/transport/random';
import { loadVectors } from '../helpers/vectors';

const NAMED_ERRORS = [
  ProtocolIdMismatchError,
  TruncatedDatagramError,
  MalformedPayloadError,
  PackageOverflowError,
];

const decoders = [
  { name: 'plain', decode: decodePackage, encode: (p: Package) => encodePackage(p) },
  {
    name: 'client',
    decode: decodeClientPackage,
    encode: (p: Package) => encodeClientPackage(p as ClientPackage),
  },
  {
    name: 'server',
    decode: decodeServerPackage,
    encode: (p: Package) => encodeServerPackage(p as ServerPackage),
  },
];

/** msgpack heads that claim far more than any datagram holds. */
const HUGE_HEADS = [
  [0xdd, 0xff, 0xff, 0xff, 0xff], // array 32
  [0xdf, 0xff, 0xff, 0xff, 0xff], // map 32
  [0xdb, 0xff, 0xff, 0xff, 0xff], // str 32
  [0xc6, 0xff, 0xff, 0xff, 0xff], // bin 32
  [0xc9, 0xff, 0xff, 0xff, 0xff, 0x01], // ext 32
  [0xdc, 0xff, 0xff], // array 16
  [0xde, 0xff, 0xff], // map 16
];

const SEED = 0x5eed;
const RUNS = 100_000;

describe('decoding random and mutated datagrams', () => {
  const random = seededRandom(SEED);
  const int = (n: number): number => Math.floor(random() * n);
  const seeds = loadVectors().map((v) => v.bytes);

  const mutate = (original: Uint8Array): Uint8Array => {
    const bytes = Array.from(original);
    const mutations = 1 + int(3);
    for (let m = 0; m < mutations; m++) {
      switch (int(7)) {
        case 0: // truncate
          bytes.length = int(bytes.length + 1);
          break;
        case 1: // flip bits
          for (let f = 1 + int(4); f > 0 && bytes.length > 0; f--) {
            const i = int(bytes.length);
            bytes[i] = (bytes[i] as number) ^ (1 << int(8));
          }
          break;
        case 2: {
          // a length field past the end (or anywhere): overwrite a u16 after the header
          const i = 12 + int(Math.max(1, bytes.length - 13));
          const length = [0xffff, bytes.length, bytes.length - i, int(0x10000)][int(4)] as number;
          bytes[i] = (length >> 8) & 0xff;
          bytes[i + 1] = length & 0xff;
          break;
        }
        case 3: // a huge msgpack head spliced in
          bytes.splice(
            12 + int(Math.max(1, bytes.length - 11)),
            0,
            ...(HUGE_HEADS[int(HUGE_HEADS.length)] as number[]),
          );
          break;
        case 4: // a wrong protocol id
          bytes[int(4)] = int(256);
          break;
        case 5: // random bytes appended
          for (let a = int(40); a > 0; a--) bytes.push(int(256));
          break;
        default: {
          // a slice of another vector spliced in
          const other = seeds[int(seeds.length)] as Uint8Array;
          const start = int(other.length);
          bytes.splice(int(bytes.length + 1), int(8), ...other.subarray(start, start + int(30)));
        }
      }
    }
    return Uint8Array.from(bytes);
  };

  const randomDatagram = (): Uint8Array => {
    const length = [int(16), int(64), int(MAX_PACKAGE_SIZE + 100)][int(3)] as number;
    const bytes = Uint8Array.from({ length }, () => int(256));
    if (random() < 0.7 && length >= 4) bytes.set([0xff, 0xd0, 0xfa, 0xb9]); // mostly get past the id
    return bytes;
  };

  it(`either decodes or throws a named error, for ${RUNS} datagrams (seed ${SEED})`, () => {
    const outcomes = new Map<string, number>();
    for (let run = 0; run < RUNS; run++) {
      const datagram =
        run % 4 === 0 ? randomDatagram() : mutate(seeds[int(seeds.length)] as Uint8Array);
      for (const { name, decode, encode } of decoders) {
        let decoded: Package;
        try {
          decoded = decode(datagram);
        } catch (error) {
          if (!NAMED_ERRORS.some((type) => error instanceof type)) {
            throw new Error(
              `run ${run}, ${name} decoder: ${String(error)} for ${Buffer.from(datagram).toString('hex')}`,
              { cause: error },
            );
          }
          const code = (error as MalformedPayloadError).code;
          outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
          continue;
        }
        outcomes.set('decoded', (outcomes.get('decoded') ?? 0) + 1);
        // What decodes must survive the way back: encoded again, it decodes to the same package,
        // and that encodes to the same bytes, wire types and key order included.
        const encoded = encode(decoded);
        const again = decode(encoded);
        expect(again).toEqual(decoded);
        expect(Buffer.from(encode(again)).equals(Buffer.from(encoded))).toBe(true);
      }
    }
    // Every kind of outcome was reached, so the mutations exercise every path.
    for (const outcome of ['decoded', ...NAMED_ERRORS.map((type) => new type('').code)]) {
      expect(outcomes.get(outcome)).toBeGreaterThan(100);
    }
  });
});
