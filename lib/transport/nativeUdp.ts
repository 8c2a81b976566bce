import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What rxgase's native UDP module offers (native/udp.c): a socket read with recvmmsg and written
 * with sendmmsg, a batch for each system call. Records are `RECORD_WORDS` 32-bit words for each
 * datagram; see udp.c for their layout.
 *
 * @internal
 */
export interface NativeUdp {
  open(
    family: 4 | 6,
    address: Uint32Array,
    port: number,
    receiveBufferSize: number,
    inbox: Uint8Array,
    records: Uint32Array,
    slotSize: number,
    onBatch: (count: number) => void,
    scope: number,
  ): [NativeSocket, number];
  send(
    socket: NativeSocket,
    outbox: Uint8Array,
    records: Uint32Array,
    from: number,
    to: number,
  ): number;
  awaitWritable(socket: NativeSocket): void;
  /** Stops reading the socket (its datagrams wait in its buffer), or reads it again. */
  pauseReading(socket: NativeSocket, paused: boolean): void;
  lastError(socket: NativeSocket): number;
  /** The name of the network interface numbered `index`, or undefined. */
  interfaceName(index: number): string | undefined;
  /** The number of the network interface named `name`, or 0. */
  interfaceIndex(name: string): number;
  close(socket: NativeSocket): void;
}

/**
 * An open native socket, as the module gives it: only ever passed back to it.
 *
 * @internal
 */
export type NativeSocket = { readonly __nativeSocket: never };

/** @internal */
export const RECORD_WORDS = 10;

/** What this version calls on the module. */
const FUNCTIONS: readonly (keyof NativeUdp)[] = [
  'open',
  'send',
  'awaitWritable',
  'pauseReading',
  'lastError',
  'interfaceName',
  'interfaceIndex',
  'close',
];

/**
 * What `udp`, a module loaded, lacks of what this version of rxgase calls on it.
 *
 * @internal
 */
export function missingFunctions(udp: object): (keyof NativeUdp)[] {
  return FUNCTIONS.filter((name) => typeof (udp as Record<string, unknown>)[name] !== 'function');
}

/** Where `npm install` builds the module (native/build.js), from the package's root. */
const BUILT = join('native', 'build', 'rxgase_udp.node');

/** The module, once looked for: loaded, or why not. */
let found: { readonly udp: NativeUdp } | { readonly reason: string } | undefined;

/**
 * rxgase's native UDP module, or why it cannot be had: not Linux (sendmmsg and recvmmsg are
 * Linux's), or not built (`npm install` builds it where the machine has a C compiler and Node's
 * headers; `npm rebuild rxgase` builds it again).
 *
 * @internal
 */
export function nativeUdp(): { readonly udp: NativeUdp } | { readonly reason: string } {
  found ??= load();
  return found;
}

function load(): { readonly udp: NativeUdp } | { readonly reason: string } {
  if (process.platform !== 'linux') {
    return { reason: `the native UDP socket is Linux's, and this is ${process.platform}` };
  }
  // The package's root is two up from dist/transport/ when installed, or lib/transport/ from
  // source; further up from a copy compiled elsewhere in the package (the benchmark's).
  const path = [2, 3, 4, 5, 6]
    .map((up) => join(__dirname, ...new Array<string>(up).fill('..'), BUILT))
    .find((candidate) => existsSync(candidate));
  if (path === undefined) {
    return {
      reason: `the native UDP module is not built (${BUILT}); \`npm rebuild rxgase\` builds it where a C compiler and Node's headers are`,
    };
  }
  let udp: object;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    udp = require(path) as object;
  } catch (error) {
    return { reason: `the native UDP module did not load: ${(error as Error).message}` };
  }
  // One built from an older rxgase lacks what this one calls: the whole socket would fail later.
  const missing = missingFunctions(udp);
  if (missing.length > 0) {
    return {
      reason: `the native UDP module (${path}) was built from another version of rxgase, without ${missing.join(', ')}; \`npm rebuild rxgase\` builds it again`,
    };
  }
  return { udp: udp as NativeUdp };
}
