import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientPackage, Package, ServerPackage } from '../../lib/protocol/packages';
import { noteFloat } from '../../lib/protocol/wireTypes';

/**
 * Where rxgase's PyGaSe wire vectors live: datagrams encoded by the reference implementation,
 * copied into the repository so the specs pass in any clone.
 */
export const VECTORS_PATH = join(__dirname, '../fixtures/pygase-wire.json');

export interface WireVector {
  name: string;
  kind: 'package' | 'client' | 'server';
  bytes: Uint8Array;
  /** The vector's `decoded` value in rxgase's shape, floats marked as the JSON writes them. */
  expected: Package | ClientPackage | ServerPackage;
}

/** Reads the vectors, keeping JSON's `3.0` a float the way Python meant it. */
export function loadVectors(): WireVector[] {
  const file = parseJsonKeepingFloats(readFileSync(VECTORS_PATH, 'utf8')) as {
    vectors: { name: string; kind: WireVector['kind']; hex: string; decoded: Raw }[];
  };
  return file.vectors.map(({ name, kind, hex, decoded }) => ({
    name,
    kind,
    bytes: Uint8Array.from(Buffer.from(hex, 'hex')),
    expected: toPackage(kind, decoded),
  }));
}

type Raw = Record<string, unknown>;

function toPackage(kind: WireVector['kind'], raw: Raw): WireVector['expected'] {
  const header = {
    sequence: raw.sequence as number,
    ack: raw.ack as number,
    ackBitfield: parseInt(raw.ack_bitfield as string, 2),
  };
  const events = (raw.events as Raw[]).map((event) => ({
    type: event.type as string,
    args: withBytes(event.handler_args) as unknown[],
    kwargs: withBytes(event.handler_kwargs) as Raw,
  }));
  if (kind === 'client') return { header, timeOrder: raw.time_order as number, events };
  if (kind === 'server') {
    return { header, update: withBytes(raw.update) as ServerPackage['update'], events };
  }
  return { header, events };
}

/** Turns `{ "$bytes": "hex" }` into a Uint8Array, in place so float marks stay put. */
function withBytes(value: unknown): unknown {
  if (Array.isArray(value)) {
    value.forEach((item, i) => (value[i] = withBytes(item)));
    return value;
  }
  if (typeof value === 'object' && value !== null) {
    const map = value as Raw;
    if (typeof map.$bytes === 'string') return Uint8Array.from(Buffer.from(map.$bytes, 'hex'));
    for (const key of Object.keys(map)) map[key] = withBytes(map[key]);
  }
  return value;
}

/**
 * A JSON parser for the vector file that notes every number written with a decimal point or an
 * exponent as a float, so `3.0` encodes as float32 as it did in Python. Only what the file uses.
 */
export function parseJsonKeepingFloats(text: string): unknown {
  let pos = 0;
  const skip = (): void => {
    while (/\s/.test(text[pos] ?? '')) pos++;
  };
  const expect = (char: string): void => {
    skip();
    if (text[pos] !== char) throw new SyntaxError(`expected ${char} at ${pos}`);
    pos++;
  };
  const value = (): { value: unknown; float: boolean } => {
    skip();
    const char = text[pos];
    if (char === '{') {
      pos++;
      const map: Raw = {};
      skip();
      if (text[pos] === '}') return (pos++, { value: map, float: false });
      do {
        const key = value().value as string;
        expect(':');
        const entry = value();
        map[key] = entry.value;
        if (entry.float) noteFloat(map, key, 32);
        skip();
      } while (text[pos++] === ',');
      return { value: map, float: false };
    }
    if (char === '[') {
      pos++;
      const array: unknown[] = [];
      skip();
      if (text[pos] === ']') return (pos++, { value: array, float: false });
      do {
        const item = value();
        if (item.float) noteFloat(array, array.length, 32);
        array.push(item.value);
        skip();
      } while (text[pos++] === ',');
      return { value: array, float: false };
    }
    const literal = /^("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null)/.exec(
      text.slice(pos),
    );
    if (literal === null) throw new SyntaxError(`unexpected ${char} at ${pos}`);
    pos += literal[0].length;
    return { value: JSON.parse(literal[0]), float: /^-?\d+[.eE]/.test(literal[0]) };
  };
  return value().value;
}
