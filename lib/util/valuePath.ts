/**
 * Where a value sits inside another, as a JavaScript path: `players.ann.pos[1]`,
 * `kwargs["new bar"]`. Used by the errors that refuse part of a payload or a state, so the message
 * says which part.
 *
 * It is worked out only once something was refused, from the containers the walk was inside:
 * `ancestors` from the outermost, and `leaf`, the value refused (or the container the walk could
 * not enter). The walks keep that stack anyway, for cycles and nesting, so the path costs nothing
 * while nothing is wrong. When a value occurs twice in one container, the first place is named.
 *
 * @return The path, empty when `leaf` is the outermost value itself.
 */
export function pathTo(ancestors: readonly object[], leaf: unknown): string {
  let path = '';
  for (let i = 0; i < ancestors.length; i++) {
    const parent = ancestors[i] as object;
    const child = i + 1 < ancestors.length ? ancestors[i + 1] : leaf;
    if (Array.isArray(parent)) {
      // findIndex, not indexOf: it visits holes, which read as undefined.
      const index = parent.findIndex((item) => item === child);
      if (index < 0) break;
      path += `[${index}]`;
    } else {
      const map = parent as Record<string, unknown>;
      const key = Object.keys(map).find((name) => map[name] === child);
      if (key === undefined) break; // a key itself was refused: the path ends at its map
      path += IDENTIFIER.test(key) ? `${path === '' ? '' : '.'}${key}` : `[${JSON.stringify(key)}]`;
    }
  }
  return path;
}

/** `" at <path>"`, or nothing for the outermost value: to end an error message with. */
export function atPath(path: string): string {
  return path === '' ? '' : ` at ${path}`;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
