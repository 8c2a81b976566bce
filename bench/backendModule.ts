/**
 * A game's own server, for `npm run bench -- --backend <module>`: what the module must export,
 * and how the bench loads and starts it.
 *
 * The module exports a function, named `createBackend` or as its default export, that takes the
 * bench's `BackendOptions` and returns (or resolves to) the game's `Backend`, or a bare `Server`.
 * It must pass the options on: every client of the load comes from 127.0.0.1, which a server's
 * own caps (clients per address, legacy joins a second) would stop long before it is full.
 *
 * ## Example
 * ```ts
 * import { Backend, createGameState } from 'rxgase';
 * import type { BackendOptions } from 'rxgase';
 *
 * export function createBackend(options: BackendOptions) {
 *   return new Backend(
 *     createGameState({ foo: 0, bar: 0.5 }),
 *     (state, dt) => ({ foo: state.foo + state.bar * dt }),
 *     { SET_BAR: ({ new_bar }) => ({ bar: new_bar }) },
 *     { ...myOptions, ...options },
 *   );
 * }
 * ```
 */
import { pathToFileURL } from 'node:url';
import type { Address, BackendOptions } from '../lib/index';

/**
 * The options the bench passes to a game's `createBackend`: no cap of the server's own in the
 * way of the load, since the load's clients all come from one address.
 */
export const LOAD_OPTIONS = {
  maxClients: Infinity,
  maxClientsPerAddress: Infinity,
  legacyJoinsPerSecond: false,
} as const satisfies BackendOptions;

/** What the bench needs of a `Backend`: any game's fits. */
export interface BenchedBackend {
  readonly server: { readonly connections: ReadonlyMap<string, unknown> };
  run(hostname: string, port: number): Promise<Address>;
  shutdown(): Promise<void>;
}

/** What the bench needs of a bare `Server`: any game's fits. */
export interface BenchedServer {
  readonly connections: ReadonlyMap<string, unknown>;
  run(port: number, hostname: string): Promise<Address>;
  shutdown(): Promise<void>;
}

/**
 * What a game's bench module exports, as `createBackend` or as its default export. Annotate with
 * it (`export const createBackend: CreateBackend = ...`) to have the contract checked.
 */
export type CreateBackend = (
  options: BackendOptions,
) => BenchedBackend | BenchedServer | Promise<BenchedBackend | BenchedServer>;

/**
 * The `createBackend` of the module at `path` (absolute). A `.ts`, `.mts` or `.cts` module is
 * loaded through tsx's loader, so it runs as it is, without a build; JavaScript is imported.
 *
 * @throws {Error} If the module exports neither a function `createBackend` nor a default function.
 */
export async function loadBackendModule(path: string): Promise<CreateBackend> {
  const url = pathToFileURL(path).href;
  const exports = (
    /\.[cm]?ts$/.test(path)
      ? await (await import('tsx/esm/api')).tsImport(url, __filename)
      : await import(url)
  ) as Record<string, unknown>;
  // A CommonJS module's exports come wrapped in `default` once more.
  const inner = (exports.default ?? {}) as Record<string, unknown>;
  const create = [exports.createBackend, inner.createBackend, exports.default, inner.default].find(
    (candidate) => typeof candidate === 'function',
  );
  if (create === undefined) {
    throw new Error(`${path} exports neither a function createBackend nor a default function`);
  }
  return create as CreateBackend;
}

/**
 * Builds the server of the module at `path` with {@link LOAD_OPTIONS} and runs it on
 * 127.0.0.1 at a port the system chooses.
 *
 * @returns Its port, and how many clients are connected now.
 */
export async function startBackendModule(
  path: string,
): Promise<{ port: number; connections: () => number }> {
  const create = await loadBackendModule(path);
  const built = await create({ ...LOAD_OPTIONS });
  if ('server' in built) {
    const { port } = await built.run('127.0.0.1', 0);
    return { port, connections: () => built.server.connections.size };
  }
  const { port } = await built.run(0, '127.0.0.1');
  return { port, connections: () => built.connections.size };
}
