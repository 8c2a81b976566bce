import { Subject, asyncScheduler, timer } from 'rxjs';
import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import type { Address, Datagram, Transport } from './datagram';
import { addressKey } from './datagram';
import { DEFAULT_WEBRTC_PATH } from './webRtcPath';

/**
 * The parts of a W3C `RTCDataChannel` a WebRTC client transport uses.
 *
 * @category Transports
 */
export interface DataChannelLike {
  binaryType: string;
  readonly readyState: string;
  readonly bufferedAmount: number;
  /** Sends one message. */
  send(data: Uint8Array): void;
  /** Closes the channel. */
  close(): void;
  /** Listens to the channel opening, closing or failing. */
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  /** Listens to its messages. */
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
}

/**
 * The parts of a W3C `RTCPeerConnection` a WebRTC client transport uses.
 *
 * @category Transports
 */
export interface PeerConnectionLike {
  readonly iceGatheringState: string;
  readonly localDescription: { readonly sdp: string } | null;
  /** Opens a data channel. */
  createDataChannel(
    label: string,
    init: { ordered: boolean; maxRetransmits: number },
  ): DataChannelLike;
  /** Writes an offer. */
  createOffer(): Promise<{ readonly type: string; readonly sdp?: string }>;
  /** Takes its own offer. */
  setLocalDescription(description: { readonly type: string; readonly sdp?: string }): Promise<void>;
  /** Takes the server's answer. */
  setRemoteDescription(description: { type: 'answer'; sdp: string }): Promise<void>;
  /** Listens to its candidates being gathered. */
  addEventListener(type: 'icegatheringstatechange', listener: () => void): void;
  /** Closes the connection. */
  close(): void;
}

/**
 * A constructor of W3C peer connections: the browser's, or node-datachannel's polyfill.
 *
 * @category Transports
 */
export type PeerConnectionConstructor = new (configuration: {
  iceServers: { urls: string }[];
}) => PeerConnectionLike;

/**
 * The `fetch` a WebRTC client transport signals with: the platform's.
 *
 * @category Transports
 */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string },
) => Promise<{
  readonly ok: boolean;
  readonly status: number;
  /** The body, as JSON. */ json(): Promise<unknown>;
}>;

/**
 * Which link a server is reached over: its data channel, or the fallback.
 *
 * @category Transports
 */
export type LinkKind = 'data channel' | 'fallback';

/**
 * How a client opens data channels. Every field says its default.
 *
 * @category Transports
 */
export interface WebRtcClientOptions {
  /** Default the global one (the browser's); in Node, node-datachannel's polyfill. */
  readonly RTCPeerConnection?: PeerConnectionConstructor;
  /** Default the global `fetch`. */
  readonly fetch?: FetchLike;
  /** Whether signaling goes over `https`; default false, `http`. */
  readonly secure?: boolean;
  /** The server's signaling path; default `/rxgase/rtc`. */
  readonly path?: string;
  /** How long a data channel may take to open before the fallback is taken; default 5000 ms. */
  readonly openTimeoutMs?: number;
  /** STUN or TURN servers (`stun:host:port`); default none. */
  readonly iceServers?: readonly string[];
  /**
   * The transport to take where a data channel cannot open (no WebRTC in the browser, a network
   * that blocks it, a server without it): a WebSocket one, say. Default none: the link is closed.
   */
  readonly fallback?: () => Transport;
  /** Where the open timeout runs; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/**
 * A client's transport over a WebRTC data channel, with its fallback.
 *
 * @category Transports
 */
export interface WebRtcClientTransport extends Transport {
  /** The servers whose link closed, or could not open: each, once. */
  readonly closed$: Observable<Address>;
  /** Each link as it opens, and what it goes over. */
  readonly links$: Observable<{ readonly address: Address; readonly via: LinkKind }>;
  /** What the link to `address` goes over, once open; undefined before. */
  via(address: Address): LinkKind | undefined;
}

/** The bytes a channel may have waiting before datagrams to it are dropped, as UDP would. */
const MAX_BUFFERED = 1024 * 1024;

/** How long a closing channel has to send what it holds before its connection closes. */
const CLOSE_GRACE_MS = 1000;

/** How often a closing channel is asked whether it sent what it holds. */
const DRAIN_POLL_MS = 10;

/** How many datagrams wait for a link to open; more are dropped, as a network would. */
const MAX_WAITING = 64;

// Past ~300 lines with its documentation: one role, a client's links over data channels, each
// with its signaling, its wait for the channel and its fallback, sharing one transport's state.
/**
 * A {@link Transport} over a WebRTC data channel, for a client (a browser): the first datagram
 * sent to an address asks the server at `http://host:port/rxgase/rtc` for a data channel,
 * unordered and unreliable (`maxRetransmits: 0`), so a lost datagram stalls nothing behind it, as
 * over UDP. Datagrams sent meanwhile wait for it. Where a channel cannot open within
 * `openTimeoutMs` (or the browser has no WebRTC, or the server does not offer it), the link goes
 * over `fallback` instead, chosen once per address. A link that closes says so on `closed$`.
 *
 * ## Example
 * ```ts no-run
 * const client = new Client({
 *   bind: async () => webRtcClientTransport({ fallback: () => webSocketClientTransport() }),
 * });
 * await client.connect(8000, location.hostname); // the page's port: its HTTP server signals
 * ```
 *
 * @category Transports
 */
export function webRtcClientTransport(options: WebRtcClientOptions = {}): WebRtcClientTransport {
  const {
    secure = false,
    path = DEFAULT_WEBRTC_PATH,
    openTimeoutMs = 5000,
    iceServers = [],
    scheduler = asyncScheduler,
  } = options;
  const datagrams = new Subject<Datagram>();
  const linksClosed = new Subject<Address>();
  const links = new Subject<{ readonly address: Address; readonly via: LinkKind }>();
  const errors = new Subject<Error>();
  const open = new Map<string, Link>();
  let fallback: Transport | undefined;
  let closed = false;

  interface Link {
    readonly address: Address;
    via: LinkKind | undefined;
    waiting: Uint8Array[];
    channel: DataChannelLike | undefined;
    connection: PeerConnectionLike | undefined;
    timeout: Subscription | undefined;
    ended: boolean;
  }

  const fallbackTransport = (): Transport | undefined => {
    if (fallback !== undefined || options.fallback === undefined) return fallback;
    fallback = options.fallback();
    fallback.datagrams$.subscribe((datagram) => datagrams.next(datagram));
    fallback.closed$?.subscribe((address) => {
      if (!closed) linksClosed.next(address);
    });
    // What the fallback reports is the transport's to tell.
    fallback.errors$?.subscribe((error) => errors.next(error));
    return fallback;
  };

  /** The data channel did not open: the fallback takes the link, or it is closed. */
  const fail = (link: Link): void => {
    if (link.via !== undefined || link.ended) return;
    link.timeout?.unsubscribe();
    link.channel?.close();
    link.connection?.close();
    const other = closed ? undefined : fallbackTransport();
    if (other === undefined) return end(link);
    link.via = 'fallback';
    for (const data of link.waiting.splice(0)) other.send({ data, address: link.address });
    links.next({ address: link.address, via: 'fallback' });
  };

  const end = (link: Link): void => {
    if (link.ended) return;
    link.ended = true;
    link.timeout?.unsubscribe();
    link.waiting.length = 0;
    const { channel, connection } = link;
    if (channel?.readyState === 'open') {
      // What was sent goes out first (a client's farewell, say): the channel closes once it holds
      // nothing unsent, and its connection after it, within a second in all. A stream closed with
      // messages unsent would drop them.
      let polls = 0;
      const closing = timer(0, DRAIN_POLL_MS, scheduler).subscribe(() => {
        polls++;
        const drained = channel.bufferedAmount === 0 && polls > 1;
        if (drained && channel.readyState === 'open') channel.close();
        if (polls * DRAIN_POLL_MS >= CLOSE_GRACE_MS) {
          closing.unsubscribe();
          channel.close();
          connection?.close();
        }
      });
      channel.addEventListener('close', () => {
        closing.unsubscribe();
        connection?.close();
      });
    } else {
      channel?.close();
      connection?.close();
    }
    if (!closed) linksClosed.next(link.address);
  };

  const negotiate = async (link: Link, Peer: PeerConnectionConstructor): Promise<void> => {
    const fetchFn = options.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
    if (fetchFn === undefined) throw new Error('there is no fetch here to signal with');
    const connection = new Peer({ iceServers: iceServers.map((urls) => ({ urls })) });
    link.connection = connection;
    const channel = connection.createDataChannel('rxgase', { ordered: false, maxRetransmits: 0 });
    link.channel = channel;
    channel.binaryType = 'arraybuffer';
    channel.addEventListener('open', () => {
      if (link.via !== undefined || link.ended) return;
      link.timeout?.unsubscribe();
      link.via = 'data channel';
      for (const data of link.waiting.splice(0)) {
        try {
          channel.send(data);
        } catch {
          // Closing as it opened: its close follows.
        }
      }
      links.next({ address: link.address, via: 'data channel' });
    });
    channel.addEventListener('message', ({ data }) => {
      if (data instanceof ArrayBuffer)
        datagrams.next({ data: new Uint8Array(data), address: link.address });
      else if (ArrayBuffer.isView(data)) {
        const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        datagrams.next({ data: bytes, address: link.address });
      }
    });
    channel.addEventListener('close', () => (link.via === 'data channel' ? end(link) : fail(link)));
    // The offer goes with every candidate in it: one request, no trickle.
    await connection.setLocalDescription(await connection.createOffer());
    if (connection.iceGatheringState !== 'complete') {
      await new Promise<void>((resolve) =>
        connection.addEventListener('icegatheringstatechange', () => {
          if (connection.iceGatheringState === 'complete') resolve();
        }),
      );
    }
    const host = link.address.host.includes(':') ? `[${link.address.host}]` : link.address.host;
    const url = `${secure ? 'https' : 'http'}://${host}:${link.address.port}${path}`;
    const response = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sdp: connection.localDescription?.sdp }),
    });
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    const { sdp } = (await response.json()) as { sdp?: unknown };
    if (typeof sdp !== 'string') throw new Error(`${url} answered no SDP`);
    if (link.ended || link.via !== undefined) return;
    await connection.setRemoteDescription({ type: 'answer', sdp });
  };

  const start = (address: Address): Link => {
    const link: Link = {
      address,
      via: undefined,
      waiting: [],
      channel: undefined,
      connection: undefined,
      timeout: undefined,
      ended: false,
    };
    const Peer =
      options.RTCPeerConnection ??
      (globalThis as { RTCPeerConnection?: PeerConnectionConstructor }).RTCPeerConnection;
    if (Peer === undefined) {
      // No WebRTC here: the fallback at once, on the next turn (the caller is still sending).
      scheduler.schedule(() => fail(link));
      return link;
    }
    link.timeout = timer(openTimeoutMs, scheduler).subscribe(() => fail(link));
    negotiate(link, Peer).catch(() => fail(link));
    return link;
  };

  return {
    datagrams$: datagrams.asObservable(),
    closed$: linksClosed.asObservable(),
    errors$: errors.asObservable(),
    links$: links.asObservable(),
    // Where a WebSocket client would go: the server's HTTP port, which signals.
    address: { host: '', port: 0, scheme: 'ws' },
    via: (address) => open.get(addressKey({ host: address.host, port: address.port }))?.via,
    send({ data, address }: Datagram): void {
      if (closed) return;
      const key = addressKey({ host: address.host, port: address.port });
      let link = open.get(key);
      if (link === undefined) {
        link = start(address);
        open.set(key, link);
      }
      if (link.ended) return;
      if (link.via === 'fallback') return fallback?.send({ data, address });
      const channel = link.channel;
      if (link.via === 'data channel' && channel !== undefined) {
        if (channel.readyState !== 'open' || channel.bufferedAmount > MAX_BUFFERED) return;
        try {
          channel.send(data);
        } catch {
          // The channel went while this was sent: lost, as a datagram would be.
        }
        return;
      }
      // A copy: the caller may reuse its buffer before the link opens.
      if (link.waiting.length < MAX_WAITING) link.waiting.push(new Uint8Array(data));
    },
    close(): void {
      if (closed) return;
      closed = true;
      for (const link of open.values()) end(link);
      open.clear();
      fallback?.close();
      datagrams.complete();
      linksClosed.complete();
      links.complete();
      errors.complete();
    },
  };
}
