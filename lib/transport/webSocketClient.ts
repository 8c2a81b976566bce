import { Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import type { Address, Datagram, Transport } from './datagram';
import { addressKey } from './datagram';

/**
 * What a WebSocket client transport needs of a WebSocket: the part of the browser's `WebSocket`
 * that `ws`'s `WebSocket` class has too.
 *
 * @category Transports
 */
export interface WebSocketLike {
  /** Set to `'arraybuffer'`, so binary messages arrive as `ArrayBuffer`s. */
  binaryType: string;
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Bytes sent but not yet on the wire. */
  readonly bufferedAmount: number;
  /** Sends one binary message. */
  send(data: Uint8Array): void;
  /** Closes after what was sent before. */
  close(code?: number, reason?: string): void;
  /** Listens for the socket opening, closing or failing. */
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  /** Listens for messages. */
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

/**
 * A WebSocket class: the browser's `WebSocket`, or `ws`'s in Node.
 *
 * @category Transports
 */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/**
 * How a WebSocket client transport connects. Every field says its default.
 *
 * @category Transports
 */
export interface WebSocketClientOptions {
  /** The WebSocket class; default `globalThis.WebSocket` (in Node 20 pass `ws`'s `WebSocket`). */
  readonly WebSocket?: WebSocketConstructor;
  /** `'ws'` (the default) or `'wss'` for TLS. */
  readonly scheme?: 'ws' | 'wss';
  /** The path to connect to; default `/`. */
  readonly path?: string;
  /**
   * Datagrams sent while more than this many bytes wait unsent are dropped, as UDP would drop
   * them; default 1 MiB.
   */
  readonly bufferLimit?: number;
}

/**
 * A transport over client WebSockets.
 *
 * @category Transports
 */
export interface WebSocketClientTransport extends Transport {
  /** The servers whose WebSocket closed, or could not open: each, once. */
  readonly closed$: Observable<Address>;
  /** A socket that failed, or closed without being asked to: reported, never thrown. */
  readonly errors$: Observable<Error>;
  /** Datagrams not sent (a socket closed, or too far behind) and messages that were not binary. */
  readonly dropped: number;
}

/** WebSocket's `readyState` values. */
const OPEN = 1;
const CONNECTING = 0;

/**
 * A {@link Transport} over WebSockets, for a client: the first datagram sent to an address opens
 * a WebSocket to `scheme://host:port/path`; datagrams sent while it connects wait for it, and
 * each datagram is one binary message. Datagrams received come from the address they were sent
 * to, so `connectTo` and {@link Client} work as over UDP. A socket that closes (or cannot open)
 * says so on `closed$`, and is not opened again: later datagrams to it are dropped, as to a UDP
 * peer that is gone, until the client connects anew with a new transport.
 *
 * ## Example
 * ```ts
 * // In the browser, where WebSocket is global (Client's default there):
 * const client = new Client({ bind: async () => webSocketClientTransport() });
 * await client.connect(8081, location.hostname);
 * // In Node 20: import { WebSocket } from 'ws';
 * const nodeClient = new Client({ bind: async () => webSocketClientTransport({ WebSocket }) });
 * ```
 *
 * @throws `TypeError` If no WebSocket class is given and there is no global one.
 *
 * @category Transports
 */
export function webSocketClientTransport(
  options: WebSocketClientOptions = {},
): WebSocketClientTransport {
  const { scheme = 'ws', path = '/', bufferLimit = 1024 * 1024 } = options;
  const WebSocketClass =
    options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (WebSocketClass === undefined) {
    throw new TypeError(
      'there is no global WebSocket here: pass one as the WebSocket option (in Node, ws)',
    );
  }
  const datagrams = new Subject<Datagram>();
  const linksClosed = new Subject<Address>();
  const errors = new Subject<Error>();
  const sockets = new Map<string, { socket: WebSocketLike; waiting: Uint8Array[] }>();
  let dropped = 0;
  let closed = false;

  const open = (address: Address): { socket: WebSocketLike; waiting: Uint8Array[] } => {
    const host = address.host.includes(':') ? `[${address.host}]` : address.host;
    const url = `${scheme}://${host}:${address.port}${path.startsWith('/') ? path : `/${path}`}`;
    const socket = new WebSocketClass(url);
    socket.binaryType = 'arraybuffer';
    const entry = { socket, waiting: [] as Uint8Array[] };
    socket.addEventListener('open', () => {
      for (const data of entry.waiting.splice(0)) socket.send(data);
    });
    socket.addEventListener('message', ({ data }) => {
      if (data instanceof ArrayBuffer) datagrams.next({ data: new Uint8Array(data), address });
      else if (ArrayBuffer.isView(data)) {
        datagrams.next({
          data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
          address,
        });
      } else dropped++;
    });
    socket.addEventListener('error', () => {
      if (!closed) errors.next(new Error(`the WebSocket to ${url} failed`));
    });
    socket.addEventListener('close', () => {
      dropped += entry.waiting.splice(0).length;
      if (closed) return;
      errors.next(new Error(`the WebSocket to ${url} closed`));
      linksClosed.next(address);
    });
    return entry;
  };

  return {
    datagrams$: datagrams.asObservable(),
    closed$: linksClosed.asObservable(),
    // A client WebSocket has no address of its own that it can know.
    address: { host: '', port: 0, scheme },
    errors$: errors.asObservable(),
    get dropped() {
      return dropped;
    },
    send({ data, address }: Datagram): void {
      if (closed) return;
      const key = addressKey({ host: address.host, port: address.port });
      let entry = sockets.get(key);
      if (entry === undefined) {
        entry = open(address);
        sockets.set(key, entry);
      }
      const { socket, waiting } = entry;
      if (socket.readyState === CONNECTING) {
        // A copy: the caller may reuse its buffer before the socket opens.
        waiting.push(new Uint8Array(data));
      } else if (socket.readyState === OPEN && socket.bufferedAmount <= bufferLimit) {
        socket.send(data);
      } else {
        dropped++;
      }
    },
    close(): void {
      if (closed) return;
      closed = true;
      // What was sent before close still goes out: a WebSocket closes after its queued messages,
      // and one still connecting with datagrams waiting closes once it has sent them.
      for (const { socket, waiting } of sockets.values()) {
        if (socket.readyState === CONNECTING && waiting.length > 0) {
          socket.addEventListener('open', () => socket.close(1000, 'client closing'));
        } else socket.close(1000, 'client closing');
      }
      sockets.clear();
      datagrams.complete();
      linksClosed.complete();
      errors.complete();
    },
  };
}
