import { MalformedPayloadError } from './errors';

/*
 * The dictionaries of compact updates (see compactEncoder.ts for the format): each connection's
 * sender gives the map keys and shapes it sends small numbers, defines each where it is first
 * used, and uses the bare number once the receiver acknowledged a package or block that carried
 * the definition. The receiver learns every definition as it decodes.
 */

/** The largest number a dictionary reference holds: one byte up to 127, two up to this. */
export const MAX_REFERENCE = 128 + 0x1fff;

/** The most keys one connection's dictionary gives numbers; later keys go as strings. */
export const MAX_KEYS = MAX_REFERENCE + 1;

/** The most shapes one connection's dictionary defines; later maps go as plain maps. */
export const MAX_SHAPES = 1024;

/** The most fields a shape has: larger maps go as plain maps. */
export const MAX_SHAPE_FIELDS = 8;

/**
 * The longest key a dictionary numbers, in UTF-16 units: longer keys go as strings, so a
 * receiver's dictionary stays small whatever its sender sends.
 */
export const MAX_KEY_LENGTH = 64;

/**
 * The trie nodes of shapes a connection's sender may hold: shapes seen, defined or not. Past it,
 * the nodes of the shapes seen once are forgotten.
 */
const MAX_SHAPE_NODES = 4096;

/** The packages whose definitions a sender waits to hear of; older ones are forgotten. */
const MAX_PENDING_PACKAGES = 64;

/**
 * How a shape's field is written: a value of any kind, or a float32 without its type byte.
 *
 * @category Protocol
 */
export const FieldKind = { Any: 0, Float32: 1 } as const;
export type FieldKind = (typeof FieldKind)[keyof typeof FieldKind];

/** A key or shape a sender numbered.
 *
 * @category Protocol
 */
export interface Definition {
  readonly id: number;
  /** Whether the receiver holds it: a package or block that carried it was acknowledged. */
  known: boolean;
  /** The encoding that last carried it: within one encoding, the definition goes once. */
  stamp: number;
}

/** A shape: the keys of a map, in order, and how each value is written.
 *
 * @category Protocol
 */
export interface ShapeDefinition extends Definition {
  readonly keys: readonly string[];
  readonly kinds: readonly FieldKind[];
}

/**
 * A node of the shapes' trie: the fields so far; the shape if one ends here, or how often maps
 * of these fields were seen: a shape is defined once seen twice, so maps keyed by ids that come
 * and go (`{ e17: TO_DELETE }`) do not fill the table with shapes used once.
 */
interface ShapeNode {
  shape: ShapeDefinition | undefined;
  seen: number;
  any: Map<string, ShapeNode> | undefined;
  float32: Map<string, ShapeNode> | undefined;
}

const newNode = (): ShapeNode => ({
  shape: undefined,
  seen: 0,
  any: undefined,
  float32: undefined,
});

/**
 * What encoding an update asked of a dictionary, when each answer was a definition the receiver
 * knows: the keys with their numbers, and the shapes. See {@link SentDictionary.knows}.
 *
 * @category Protocol
 */
export interface CompactTrace {
  /** Each key asked, then its number: key, id, key, id... */
  readonly keys: readonly (string | number)[];
  /** Each shape given, as the dictionary defined it. */
  readonly shapes: readonly ShapeDefinition[];
}

/**
 * A connection's sending dictionary: the numbers its keys and shapes have, which of them the
 * receiver knows, and which packages carried the others.
 *
 * @category Protocol
 */
export class SentDictionary {
  private readonly keys = new Map<string, Definition>();
  private shapes = newNode();
  private readonly defined: ShapeDefinition[] = [];
  private shapeNodes = 0;
  private readonly pending = new Map<number, readonly Definition[]>();
  /**
   * Whether any package carries definitions not known yet: most of a server's packages to a
   * client carry none, and then its sends and acks reach for no map, cold in the cache.
   */
  private carrying = false;
  private currentStamp = 0;
  private changes = 0;
  /** The last two traces it knew: it knows them for good. */
  private knownTrace: CompactTrace | undefined;
  private knownBefore: CompactTrace | undefined;

  /** Counts what changes the encoding of an update: a definition the receiver came to know. */
  get version(): number {
    return this.changes;
  }

  /** How many keys have numbers. */
  get keyCount(): number {
    return this.keys.size;
  }

  /** Starts an encoding: each definition goes once in it. */
  nextStamp(): number {
    return ++this.currentStamp;
  }

  /** The number of `key`, given now if it has none and there is room; undefined if there is not. */
  key(key: string): Definition | undefined {
    let definition = this.keys.get(key);
    if (definition === undefined && this.keys.size < MAX_KEYS && key.length <= MAX_KEY_LENGTH) {
      definition = { id: this.keys.size, known: false, stamp: 0 };
      this.keys.set(key, definition);
    }
    return definition;
  }

  /**
   * Whether an encoding that asked `trace` of another dictionary would get the same answers here,
   * each a definition with the same number that the receiver knows, and change nothing: then it
   * writes the same bytes here, and they may be shared. Looks, changes nothing.
   *
   * A definition, once known, stays known under its number, so a trace known is known for good:
   * the last two answer at once, with none of the look-ups that cost a server with thousands of
   * clients, each dictionary cold in the cache, a tenth of its CPU when each send asked them.
   */
  knows(trace: CompactTrace): boolean {
    if (trace === this.knownTrace || trace === this.knownBefore) return true;
    const { keys, shapes } = trace;
    for (let i = 0; i < keys.length; i += 2) {
      const definition = this.keys.get(keys[i] as string);
      if (definition?.known !== true || definition.id !== keys[i + 1]) return false;
    }
    for (const asked of shapes) {
      const shape = this.find(asked.keys, asked.kinds, false)?.shape;
      if (shape?.known !== true || shape.id !== asked.id) return false;
    }
    this.knownBefore = this.knownTrace;
    this.knownTrace = trace;
    return true;
  }

  /**
   * The shape of a map with `keys` whose values are written as `kinds`: defined now if maps of
   * these fields were seen before and there is room; undefined while there is none.
   */
  shape(keys: readonly string[], kinds: readonly FieldKind[]): ShapeDefinition | undefined {
    let node = this.find(keys, kinds);
    if (node === undefined) {
      // Forget the shapes seen once, and look again.
      this.prune();
      node = this.find(keys, kinds);
      if (node === undefined) return undefined;
    }
    if (node.shape !== undefined) return node.shape;
    if (++node.seen < 2 || this.defined.length >= MAX_SHAPES) return undefined;
    node.shape = {
      id: this.defined.length,
      known: false,
      stamp: 0,
      keys: keys.slice(),
      kinds: kinds.slice(),
    };
    this.defined.push(node.shape);
    return node.shape;
  }

  /**
   * The trie node of these fields, made if new and `grows` (else undefined); undefined if the trie
   * is full.
   */
  private find(
    keys: readonly string[],
    kinds: readonly FieldKind[],
    grows = true,
  ): ShapeNode | undefined {
    let node = this.shapes;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const float32 = kinds[i] === FieldKind.Float32;
      let next = (float32 ? node.float32 : node.any)?.get(key);
      if (next === undefined) {
        if (!grows || this.shapeNodes >= MAX_SHAPE_NODES) return undefined;
        const branches = float32 ? (node.float32 ??= new Map()) : (node.any ??= new Map());
        this.shapeNodes++;
        next = newNode();
        branches.set(key, next);
      }
      node = next;
    }
    return node;
  }

  /** Makes the trie again of the defined shapes alone. */
  private prune(): void {
    this.shapes = newNode();
    this.shapeNodes = 0;
    for (const shape of this.defined) {
      const node = this.find(shape.keys, shape.kinds) as ShapeNode;
      node.shape = shape;
    }
  }

  /** `sequence`, a package, carried these definitions: they are known once it is acked. */
  carried(sequence: number, definitions: readonly Definition[]): void {
    if (!this.carrying && definitions.length === 0) return;
    this.pending.delete(sequence);
    this.carrying = this.pending.size > 0 || definitions.length > 0;
    if (definitions.length === 0) return;
    this.pending.set(sequence, definitions);
    if (this.pending.size > MAX_PENDING_PACKAGES) {
      this.pending.delete(this.pending.keys().next().value as number);
    }
  }

  /** Package `sequence` was acked: what it carried is known. */
  acked(sequence: number): void {
    if (!this.carrying) return;
    const definitions = this.pending.get(sequence);
    if (definitions === undefined) return;
    this.pending.delete(sequence);
    this.carrying = this.pending.size > 0;
    this.know(definitions);
  }

  /** Package `sequence` was not acked in time: what it carried goes again in the next ones. */
  lost(sequence: number): void {
    if (!this.carrying) return;
    this.pending.delete(sequence);
    this.carrying = this.pending.size > 0;
  }

  /** The receiver holds these definitions: a block that carried them arrived whole. */
  know(definitions: readonly Definition[]): void {
    for (const definition of definitions) {
      if (definition.known) continue;
      definition.known = true;
      this.changes++;
    }
  }
}

/** A shape as a receiver holds it.
 *
 * @category Protocol
 */
export interface ReceivedShape {
  readonly keys: readonly string[];
  readonly kinds: readonly FieldKind[];
}

/** A connection's receiving dictionary: the keys and shapes its sender defined.
 *
 * @category Protocol
 */
export class ReceivedDictionary {
  private readonly keys: (string | undefined)[] = [];
  private readonly shapes: (ReceivedShape | undefined)[] = [];

  /** The key numbered `id`. @throws {@link MalformedPayloadError} If none is. */
  key(id: number): string {
    const key = this.keys[id];
    if (key === undefined) throw new MalformedPayloadError(`key ${id} was never defined`);
    return key;
  }

  /** Numbers `key` `id`. @throws {@link MalformedPayloadError} If `id` is another key's. */
  defineKey(id: number, key: string): void {
    if (key.length > MAX_KEY_LENGTH) {
      throw new MalformedPayloadError(`a key of ${key.length} characters is defined, past 64`);
    }
    const known = this.keys[id];
    if (known !== undefined && known !== key) {
      throw new MalformedPayloadError(`key ${id} is defined again as another key`);
    }
    while (this.keys.length < id) this.keys.push(undefined);
    this.keys[id] = key;
  }

  /** The shape numbered `id`. @throws {@link MalformedPayloadError} If none is. */
  shape(id: number): ReceivedShape {
    const shape = this.shapes[id];
    if (shape === undefined) throw new MalformedPayloadError(`shape ${id} was never defined`);
    return shape;
  }

  /** Numbers `shape` `id`. @throws {@link MalformedPayloadError} If `id` is out of range. */
  defineShape(id: number, shape: ReceivedShape): void {
    if (id >= MAX_SHAPES) {
      throw new MalformedPayloadError(
        `shape ${id} is past the ${MAX_SHAPES} shapes a peer defines`,
      );
    }
    if (shape.keys.some((key) => key.length > MAX_KEY_LENGTH)) {
      throw new MalformedPayloadError(`shape ${id} holds a key past 64 characters`);
    }
    const known = this.shapes[id];
    if (known !== undefined && !sameShape(known, shape)) {
      throw new MalformedPayloadError(`shape ${id} is defined again as another shape`);
    }
    while (this.shapes.length < id) this.shapes.push(undefined);
    this.shapes[id] = shape;
  }
}

/**
 * Whether two traces ask the same: the same keys under the same numbers, the same shapes under
 * the same numbers. A dictionary that knows one knows the other.
 *
 * @internal
 */
export function sameTrace(a: CompactTrace, b: CompactTrace): boolean {
  if (a.keys.length !== b.keys.length || a.shapes.length !== b.shapes.length) return false;
  for (let i = 0; i < a.keys.length; i++) if (a.keys[i] !== b.keys[i]) return false;
  for (let i = 0; i < a.shapes.length; i++) {
    const x = a.shapes[i] as ShapeDefinition;
    const y = b.shapes[i] as ShapeDefinition;
    if (x.id !== y.id || !sameShape(x, y)) return false;
  }
  return true;
}

function sameShape(a: ReceivedShape, b: ReceivedShape): boolean {
  if (a.keys.length !== b.keys.length) return false;
  for (let i = 0; i < a.keys.length; i++) {
    if (a.keys[i] !== b.keys[i] || a.kinds[i] !== b.kinds[i]) return false;
  }
  return true;
}
