import { decodeClientPackage, decodePackage, decodeServerPackage } from '../../lib/protocol/decode';
import { encodeClientPackage, encodePackage, encodeServerPackage } from '../../lib/protocol/encode';
import type { ClientPackage, Package, ServerPackage } from '../../lib/protocol/packages';
import { loadVectors } from '../helpers/vectors';

const codecs = {
  package: { decode: decodePackage, encode: (p: Package) => encodePackage(p) },
  client: {
    decode: decodeClientPackage,
    encode: (p: Package) => encodeClientPackage(p as ClientPackage),
  },
  server: {
    decode: decodeServerPackage,
    encode: (p: Package) => encodeServerPackage(p as ServerPackage),
  },
};

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('the PyGaSe wire vectors', () => {
  const vectors = loadVectors();

  it('are all there', () => {
    expect(vectors.map((v) => v.kind).sort()).toEqual([
      'client',
      'client',
      'package',
      'package',
      'package',
      'server',
      'server',
    ]);
  });

  describe.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, vector) => {
    const codec = codecs[vector.kind];

    it('decodes to its decoded value', () => {
      expect(codec.decode(vector.bytes)).toEqual(vector.expected);
    });

    it('encodes its decoded value to the same bytes', () => {
      expect(hex(codec.encode(vector.expected))).toBe(hex(vector.bytes));
    });

    it('encodes what rxgase decodes to the same bytes', () => {
      expect(hex(codec.encode(codec.decode(vector.bytes)))).toBe(hex(vector.bytes));
    });
  });
});
