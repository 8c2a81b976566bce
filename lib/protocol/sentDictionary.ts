import type { CompactTrace, Definition, ShapeDefinition } from './compactDictionary';
import { FieldKind, MAX_KEYS, MAX_KEY_LENGTH, MAX_SHAPES } from './compactDictionary';

/**
 * The trie nodes of shapes a connection's sender may hold: shapes seen, defined or not. Past it,
 * the nodes of the shapes seen once are forgotten.
 */
const MAX_SHAPE_NODES = 4096;

/** The packages whose definitions a sender waits to hear of; older ones are forgotten. */
const MAX_PENDING_PACKAGES = 64;

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
