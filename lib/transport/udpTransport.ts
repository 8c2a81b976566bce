import { createSocket } from 'node:dgram';
import type { Socket, SocketOptions, SocketType } from 'node:dgram';
import { lookup } from 'node:dns';
import { isIP } from 'node:net';
import { Observable, Subject } from 'rxjs';
import type { Subscriber } from 'rxjs';
import type { Address, Datagram, Transport } from './datagram';
import { hostNotFound } from './hostNotFound';

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
  } = options;
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

  // The socket's one listener hands each datagram to every subscriber: what `share` would do,
  // without a Subject's hop for each datagram a server takes. The list is replaced, not changed,
  // as subscribers come and go: a datagram goes to those listening as it came, not to one that
  // subscribes while it is handed out.
  let listeners: readonly Subscriber<Datagram>[] = [];
  socket.on('message', (data: Buffer, remote: { address: string; port: number }) => {
    const current = listeners;
    if (current.length === 0) return;
    const datagram = { data, address: { host: remote.address, port: remote.port } };
    for (const listener of current) listener.next(datagram);
  });
  socket.on('close', () => {
    const current = listeners;
    listeners = [];
    for (const listener of current) listener.complete();
  });
  const datagrams$ = new Observable<Datagram>((subscriber) => {
    if (closed) {
      subscriber.complete();
      return undefined;
    }
    listeners = [...listeners, subscriber];
    return () => {
      listeners = listeners.filter((listener) => listener !== subscriber);
    };
  });

  return {
    datagrams$,
    address,
    errors$: errors.asObservable(),
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
