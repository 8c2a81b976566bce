import { createSocket } from 'node:dgram';
import type { Socket, SocketOptions, SocketType } from 'node:dgram';
import { lookup } from 'node:dns';
import { isIP } from 'node:net';
import { Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import { InvalidArgumentError, NativeUdpUnavailableError } from '../protocol/errors';
import { bindBatched } from './batchedUdp';
import { checkHostname, checkPort } from './checkAddress';
import { checkTimeout } from '../options/checkOption';
import { systemError } from './systemErrors';
import type { Address, Datagram, Transport } from './datagram';
import { DatagramListeners } from './datagramListeners';
import { hostNotFound } from './hostNotFound';
import { parseIp } from './ipAddress';
import { nativeUdp } from './nativeUdp';
import { DEFAULT_READ_INTERVAL_MS } from './readRounds';

/**
 * How a UDP transport binds. Every field says its default.
 *
 * @category Transports
 */
export interface UdpTransportOptions {
  /** The port to bind; 0, the default, lets the operating system choose one. */
  readonly port?: number;
  /** The address to bind; default `127.0.0.1`. */
  readonly host?: string;
  /** `udp4` (the default) or `udp6`. */
  readonly type?: SocketType;
  /**
   * The socket's receive buffer in bytes; default {@link DEFAULT_RECEIVE_BUFFER_SIZE}. The
   * system's usual 208 KiB drops datagrams when a busy server falls a few milliseconds behind.
   * The kernel may grant less (see `net.core.rmem_max` on Linux).
   */
  readonly receiveBufferSize?: number;
  /**
   * Which socket: `'native'`, rxgase's own (Linux; built by `npm install` where a C compiler is),
   * which reads datagrams in batches and sends all of a turn of the event loop in one system call;
   * `'dgram'`, Node's `node:dgram`, one system call and one call into JavaScript for each datagram;
   * or `'auto'`, the default: the native one where it can be had, else `node:dgram`. A busy server
   * spends most of its time in those system calls: see docs/performance.md for what the native
   * socket saves.
   */
  readonly socket?: 'auto' | 'native' | 'dgram';
  /**
   * How long the native socket rests once it is read to its last datagram, in ms: what comes meanwhile waits in
   * its receive buffer and is read in one go, so a busy server takes its datagrams many at a time
   * (at 80,000 a second, about 30 to a call into JavaScript where it was 5 or 6) and spends less
   * on each. A datagram waits at
   * most this much more; one that comes to a socket that has rested that long already is read at
   * once. Default {@link DEFAULT_READ_INTERVAL_MS}; 0 reads each readiness as it comes. A number
   * from 0 to 2,147,483,647, the longest timer Node sets. `node:dgram` reads each datagram as it comes, whatever this says.
   */
  readonly readIntervalMs?: number;
}

/**
 * The receive buffer rxgase asks for: 4 MiB.
 *
 * @category Transports
 */
export const DEFAULT_RECEIVE_BUFFER_SIZE = 4 * 1024 * 1024;

/**
 * A transport over a `node:dgram` socket.
 *
 * @category Transports
 */
export interface UdpTransport extends Transport {
  /**
   * The socket's errors, such as a send the system refused: reported, never thrown, and the
   * transport goes on.
   */
  readonly errors$: Observable<Error>;
  /** Which socket it is: rxgase's native one, or `node:dgram` (see `UdpTransportOptions.socket`). */
  readonly socket: 'native' | 'dgram';
}

/**
 * Binds a UDP socket and gives it as a {@link Transport}.
 *
 * ## Example
 * ```ts
 * const transport = await bindUdp({ port: 0 });
 * transport.datagrams$.subscribe(({ data, address }) => console.log(data.length, address));
 * transport.send({ data: Uint8Array.of(1, 2, 3), address: { host: '127.0.0.1', port: 9999 } });
 * transport.close();
 * ```
 *
 * @return The bound transport; its `address` has the port the system chose.
 * @throws {@link HostNotFoundError} If `host` is a name that does not resolve.
 * @throws {@link NativeUdpUnavailableError} If `socket: 'native'` was asked for and cannot be had.
 * @throws {@link InvalidArgumentError} If the port is not a whole number from 0 to 65535, the host
 *   not an IP address or a DNS name, `type` neither `udp4` nor `udp6`, `socket` none of `auto`,
 *   `native` and `dgram`, or `readIntervalMs` not a number from 0 to 2,147,483,647.
 * @throws If the socket cannot bind (the port is taken, the host is not local): the Promise
 *   rejects with the system's error.
 *
 * @category Transports
 */
export async function bindUdp(options: UdpTransportOptions = {}): Promise<UdpTransport> {
  const {
    port = 0,
    host = '127.0.0.1',
    type = 'udp4',
    receiveBufferSize = DEFAULT_RECEIVE_BUFFER_SIZE,
    socket: kind = 'auto',
    readIntervalMs = DEFAULT_READ_INTERVAL_MS,
  } = options;
  checkPort(port, 0);
  checkHostname(host);
  if (type !== 'udp4' && type !== 'udp6') {
    throw new InvalidArgumentError(`type must be udp4 or udp6, got ${String(type)}`);
  }
  if (kind !== 'auto' && kind !== 'native' && kind !== 'dgram') {
    throw new InvalidArgumentError(`socket must be auto, native or dgram, got ${String(kind)}`);
  }
  checkTimeout('readIntervalMs', readIntervalMs);
  if (kind !== 'dgram') {
    const native = nativeUdp();
    if ('udp' in native) {
      const family = type === 'udp6' ? 6 : 4;
      const local = await resolveHost(host, family, native.udp.interfaceIndex);
      // An IPv6 address for an IPv4 socket, or the other way round: refused, as node:dgram does.
      if (local.family !== family) throw systemError('bind', 22, host, port);
      try {
        return bindBatched(native.udp, family, local, port, receiveBufferSize, readIntervalMs);
      } catch (error) {
        throw nativeError(error, host, port);
      }
    }
    if (kind === 'native') throw new NativeUdpUnavailableError(native.reason);
  }
  const socket = createSocket({
    type,
    recvBufferSize: receiveBufferSize,
    lookup: lookupUnlessIp,
  });
  const errors = new Subject<Error>();
  await bindSocket(socket, port, host).catch((error: unknown) => {
    // Not bound, but open: closed, or it would keep the process alive.
    socket.close();
    throw hostNotFound(host, error);
  });
  // Always listened to: an 'error' nobody listens to would crash the process. Reported on errors$.
  socket.on('error', (error) => errors.next(error));
  const bound = socket.address();
  const address: Address = { host: bound.address, port: bound.port };
  let closed = false;
  let pending = 0;
  const finish = (): void => {
    socket.close();
    errors.complete();
  };
  // One callback for every send, not a closure each: a server sends thousands a second.
  const sent = (error: Error | null): void => {
    if (error) errors.next(error);
    if (--pending === 0 && closed) finish();
  };

  const listeners = new DatagramListeners(() => closed);
  socket.on('message', (data: Buffer, remote: { address: string; port: number }) => {
    const current = listeners.current;
    if (current.length === 0) return;
    const datagram = { data, address: { host: remote.address, port: remote.port } };
    for (const listener of current) listener.next(datagram);
  });
  socket.on('close', () => listeners.complete());

  return {
    datagrams$: listeners.datagrams$,
    address,
    errors$: errors.asObservable(),
    socket: 'dgram',
    send({ data, address: to }: Datagram): void {
      if (closed) return;
      pending++;
      try {
        socket.send(data, to.port, to.host, sent);
      } catch (error) {
        // node:dgram checks the port before sending: report it like any refused send.
        pending--;
        errors.next(error as Error);
      }
    },
    close(): void {
      if (closed) return;
      closed = true;
      // What was sent before close still goes out: the socket closes after its last send.
      if (pending === 0) finish();
    },
  };
}

/**
 * What a log line says of `transport`'s socket: ` on rxgase's native UDP socket`, ` on node:dgram`
 * with why not the native one where it was not to be had, or nothing for a transport that is not
 * UDP.
 *
 * @internal
 */
export function socketNote(transport: Transport): string {
  const socket = (transport as Partial<UdpTransport>).socket;
  if (socket === 'native') return " on rxgase's native UDP socket";
  if (socket !== 'dgram') return '';
  const native = nativeUdp();
  return 'reason' in native ? ` on node:dgram (${native.reason})` : ' on node:dgram';
}

/** The IP address `lookupUnlessIp` answered last, and its family. */
let lastIp = { hostname: '', family: 0 };

/**
 * node:dgram looks up the address of every datagram it sends, and the system's lookup answers for
 * an IP address on the next tick: a deferred call for every package a server sends. An IP address
 * is its own answer, at once; a name is looked up as before. The last IP address is remembered,
 * so that a server sending to many clients on one host tests the string once, not with a regular
 * expression for each package.
 */
const lookupUnlessIp: SocketOptions['lookup'] = (hostname, options, callback) => {
  if (hostname !== lastIp.hostname) {
    const family = isIP(hostname);
    if (family === 0) return lookup(hostname, options, callback);
    lastIp = { hostname, family };
  }
  callback(null, hostname, lastIp.family);
};

/** The bytes of `host` to bind, looked up first if it is a name. */
async function resolveHost(
  host: string,
  family: 4 | 6,
  interfaceIndex: (name: string) => number,
): Promise<NonNullable<ReturnType<typeof parseIp>>> {
  const ip = parseIp(host, interfaceIndex);
  if (ip !== undefined) return ip;
  const found = await new Promise<string>((resolve, reject) =>
    lookup(host, { family }, (error, address) => (error ? reject(error) : resolve(address))),
  ).catch((error: unknown) => {
    throw hostNotFound(host, error);
  });
  const resolved = parseIp(found);
  if (resolved === undefined) throw new Error(`${host} looked up as ${found}, not an IP address`);
  return resolved;
}

/**
 * The native module's error for a system call (its code the errno in decimal) as node:dgram gives
 * it: `bind EADDRINUSE 127.0.0.1:8080`, with `code`, `errno`, `syscall`, `address` and `port`.
 */
function nativeError(error: unknown, host: string, port: number): unknown {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code !== 'string' || !/^\d+$/.test(code)) return error;
  return systemError(String(message), Number(code), host, port);
}

/**
 * Binds `socket` to `port` on `host`: resolves once bound, rejects with the system's error (the
 * port is taken, say) if it cannot.
 */
export function bindSocket(socket: Socket, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}
