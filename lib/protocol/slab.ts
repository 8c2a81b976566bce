/**
 * Bytes for the datagrams rxgase writes: views of a shared slab, as Node's `Buffer.allocUnsafe`
 * hands out small buffers, but zeroed, and in the browser too. A view is much cheaper to make
 * than an array of its own (which V8 gives a backing store apart, allocated and later freed, past
 * 64 bytes), and a server makes some 80,000 a second. A slab is never written twice: each view
 * is fresh bytes, and keeps its slab alive, which is what a pool costs.
 */

const SLAB_SIZE = 64 * 1024;
/** Larger arrays get one of their own: they would take much of a slab. */
const LARGEST_VIEW = 4 * 1024;

let slab = new Uint8Array(SLAB_SIZE);
let used = 0;

/**
 * `size` zeroed bytes.
 *
 * @internal
 */
export function slabBytes(size: number): Uint8Array {
  if (size > LARGEST_VIEW) return new Uint8Array(size);
  if (used + size > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    used = 0;
  }
  const start = used;
  used += size;
  // A view made by its constructor: `subarray` looks up a species constructor first.
  return new Uint8Array(slab.buffer, start, size);
}
