import fc from 'fast-check';
import { ReceivedDictionary } from '../../lib/protocol/compactDictionary';
import { SentDictionary } from '../../lib/protocol/sentDictionary';
import type { CompactTrace } from '../../lib/protocol/compactDictionary';
import { CompactDecoder } from '../../lib/protocol/compactDecoder';
import { CompactEncoder } from '../../lib/protocol/compactEncoder';
import type { UpdatePayload } from '../../lib/protocol/packages';
import { compactFor, interned } from '../../lib/server/sharedEncodings';

const ROOM = 4096;

/** Entities moved: a map of `{ x, y }` maps, which become a shape once seen twice. */
const moved = (ids: readonly number[], time: number): UpdatePayload => ({
  time_order: time,
  entities: Object.fromEntries(ids.map((id) => [`e${id}`, { x: id + 0.5, y: id + 0.25 }])),
});

/** One client's side: what the server's dictionary holds for it, and its decoder. */
class Side {
  readonly dictionary = new SentDictionary();
  readonly decoder = new CompactDecoder(new ReceivedDictionary());
  private sequence = 0;

  /** Sends an encoding, acked or lost; the receiver decodes it. */
  take(result: ReturnType<typeof compactFor>, acked: boolean): unknown {
    if (result instanceof Error) throw result;
    const sequence = ++this.sequence;
    this.dictionary.carried(sequence, result.carried);
    const decoded = this.decoder.decodeUpdate(result.bytes);
    if (acked) this.dictionary.acked(sequence);
    else this.dictionary.lost(sequence);
    return decoded;
  }
}

describe('compact updates shared between clients', () => {
  it('gives clients in step one encoding, the bytes each would have written', () => {
    const [a, b] = [new Side(), new Side()];
    const first = moved([1, 2], 1);
    // Both learn the keys and the shape, and the receivers hold them.
    for (const side of [a, b]) {
      side.take(compactFor(first, side.dictionary, ROOM), true);
      side.take(compactFor(moved([1, 2], 2), side.dictionary, ROOM), true);
    }
    const next = moved([1, 2], 3);
    const forA = compactFor(next, a.dictionary, ROOM);
    const forB = compactFor(next, b.dictionary, ROOM);
    if (forA instanceof Error || forB instanceof Error) throw new Error('not encoded');
    expect(forB.bytes).toBe(forA.bytes);
    expect(forB.carried).toEqual([]);
    // What B's own encoding would have been: the same bytes.
    const own = new CompactEncoder().encodeUpdate(next, b.dictionary, ROOM);
    expect(own.bytes).toEqual(forB.bytes);
    expect(b.take(forB, true)).toEqual(next);
  });

  it('writes its own for a client whose receiver lacks a definition, and for one with other numbers', () => {
    const [a, late, other] = [new Side(), new Side(), new Side()];
    for (let time = 1; time <= 2; time++)
      a.take(compactFor(moved([1], time), a.dictionary, ROOM), true);
    // Numbered the other way round: its shape and keys come in another order.
    other.take(compactFor({ time_order: 1, score: 3 }, other.dictionary, ROOM), true);
    for (let time = 1; time <= 2; time++) {
      other.take(compactFor(moved([1], time), other.dictionary, ROOM), true);
    }
    const next = moved([1], 3);
    const forA = compactFor(next, a.dictionary, ROOM);
    if (forA instanceof Error) throw forA;
    for (const side of [late, other]) {
      const mine = compactFor(next, side.dictionary, ROOM);
      if (mine instanceof Error) throw mine;
      expect(mine.bytes).not.toBe(forA.bytes);
      expect(side.take(mine, true)).toEqual(next);
    }
  });

  it('changes nothing in a dictionary asked whether it knows a trace', () => {
    const side = new Side();
    for (let time = 1; time <= 2; time++) {
      side.take(compactFor(moved([1, 2], time), side.dictionary, ROOM), true);
    }
    const result = new CompactEncoder().encodeUpdate(moved([1, 2], 3), side.dictionary, ROOM);
    expect(result.trace).toBeDefined();
    const fresh = new Side();
    const version = fresh.dictionary.version;
    expect(fresh.dictionary.knows(result.trace!)).toBe(false);
    expect(fresh.dictionary.version).toBe(version);
    expect(fresh.dictionary.keyCount).toBe(0);
    expect(side.dictionary.knows(result.trace!)).toBe(true);
  });

  it('keeps one trace for the updates of tick after tick, which a dictionary knows at once', () => {
    const side = new Side();
    for (let time = 1; time <= 2; time++) {
      side.take(compactFor(moved([1, 2], time), side.dictionary, ROOM), true);
    }
    const encoder = new CompactEncoder();
    const traceOf = (time: number, ids = [1, 2]): CompactTrace => {
      const { trace } = encoder.encodeUpdate(moved(ids, time), side.dictionary, ROOM);
      if (trace === undefined) throw new Error('not traced');
      return trace;
    };
    const first = interned(traceOf(3));
    // The next tick's update asks the same: its trace is the first one.
    expect(interned(traceOf(4))).toBe(first);
    // One that asks other keys is its own, and the last from then on.
    const fewer = interned(traceOf(5, [2]));
    expect(fewer).not.toBe(first);
    expect(fewer.keys.filter((_, i) => i % 2 === 0)).toEqual(['entities', 'e2']);
    expect(interned(traceOf(6, [2]))).toBe(fewer);
    // Ticks that take turns between the two keep both.
    expect(interned(traceOf(7))).toBe(first);
    expect(interned(traceOf(8, [2]))).toBe(fewer);
  });

  it('keeps apart traces of the same keys under other numbers', () => {
    const [a, b] = [new Side(), new Side()];
    for (let time = 1; time <= 2; time++) {
      a.take(compactFor(moved([1], time), a.dictionary, ROOM), true);
    }
    // B numbers another key first: its keys of the same update have other numbers.
    b.take(compactFor({ time_order: 1, score: 3 }, b.dictionary, ROOM), true);
    for (let time = 1; time <= 2; time++) {
      b.take(compactFor(moved([1], time), b.dictionary, ROOM), true);
    }
    const encoder = new CompactEncoder();
    const forA = encoder.encodeUpdate(moved([1], 3), a.dictionary, ROOM).trace;
    const forB = encoder.encodeUpdate(moved([1], 3), b.dictionary, ROOM).trace;
    if (forA === undefined || forB === undefined) throw new Error('not traced');
    expect(forB.keys.filter((_, i) => i % 2 === 0)).toEqual(
      forA.keys.filter((_, i) => i % 2 === 0),
    );
    const keptA = interned(forA);
    const keptB = interned(forB);
    expect(keptB).not.toBe(keptA);
    expect(keptB.keys).toEqual(forB.keys);
    // Neither dictionary knows the other's.
    expect(a.dictionary.knows(keptB)).toBe(false);
    expect(b.dictionary.knows(keptA)).toBe(false);
    expect(a.dictionary.knows(keptA)).toBe(true);
  });

  it('knows a trace it knew at once, and still not one it does not know', () => {
    const side = new Side();
    for (let time = 1; time <= 2; time++) {
      side.take(compactFor(moved([1], time), side.dictionary, ROOM), true);
    }
    const known = new CompactEncoder().encodeUpdate(moved([1], 3), side.dictionary, ROOM).trace;
    expect(known).toBeDefined();
    expect(side.dictionary.knows(known!)).toBe(true);
    expect(side.dictionary.knows(known!)).toBe(true);
    // A trace of a key this dictionary never numbered, asked after the one it knew.
    expect(side.dictionary.knows({ keys: ['elsewhere', 7], shapes: [] })).toBe(false);
    // And one with a number it gave another key.
    expect(side.dictionary.knows({ keys: ['entities', 5], shapes: [] })).toBe(false);
    expect(side.dictionary.knows(known!)).toBe(true);
  });

  it('traces no encoding that defines a key, counts a shape seen once, or carries one again', () => {
    const encoder = new CompactEncoder();
    const dictionary = new SentDictionary();
    // New keys, defined in the bytes; the shape of { x, y } seen for the first time.
    expect(encoder.encodeUpdate(moved([1], 1), dictionary, ROOM).trace).toBeUndefined();
    // The keys numbered but not acked, carried again; the shape defined now.
    const second = encoder.encodeUpdate(moved([1], 2), dictionary, ROOM);
    expect(second.trace).toBeUndefined();
    dictionary.know(second.carried);
    // Everything known: traced, and nothing carried.
    const third = encoder.encodeUpdate(moved([1], 3), dictionary, ROOM);
    expect(third.trace?.keys).toEqual(['entities', 0, 'e1', 1]);
    expect(third.trace?.shapes.map((shape) => shape.keys)).toEqual([['x', 'y']]);
    expect(third.carried).toEqual([]);
  });

  it('writes for every client, shared or not, what its own encoder would have, on random runs', () => {
    const updates = fc.array(
      fc.record({
        ids: fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { maxLength: 4 }),
        score: fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }),
      }),
      { minLength: 1, maxLength: 5 },
    );
    const steps = fc.array(
      fc.record({ client: fc.nat(2), update: fc.nat(4), acked: fc.boolean() }),
      { maxLength: 60 },
    );
    let sharedHits = 0;
    fc.assert(
      fc.property(updates, steps, (pool, run) => {
        const last = new Map<UpdatePayload, Uint8Array>();
        const made = pool.map(({ ids, score }, i) => ({
          ...moved(ids, i + 1),
          ...(score !== undefined && { score }),
        }));
        // Each client twice: one side takes the shared encodings, its twin its own encoder's.
        const shared = [new Side(), new Side(), new Side()];
        const twins = [new Side(), new Side(), new Side()];
        const encoder = new CompactEncoder();
        for (const { client, update, acked } of run) {
          const payload = made[update % made.length] as UpdatePayload;
          const mine = compactFor(payload, shared[client]!.dictionary, ROOM);
          const own = encoder.encodeUpdate(payload, twins[client]!.dictionary, ROOM);
          if (mine instanceof Error) throw mine;
          expect(mine.bytes).toEqual(own.bytes);
          if (last.get(payload) === mine.bytes) sharedHits++;
          last.set(payload, mine.bytes);
          expect(shared[client]!.take(mine, acked)).toEqual(twins[client]!.take(own, acked));
        }
      }),
    );
    // The runs did share encodings, not only write their own.
    expect(sharedHits).toBeGreaterThan(0);
  });
});
