import type { IncomingMessage, ServerResponse } from 'node:http';
import { Subject, timer } from 'rxjs';
import type { Observable, Subscription } from 'rxjs';
import type * as NodeDataChannel from 'node-datachannel';
import type { DataChannel, PeerConnection } from 'node-datachannel';
import { InvalidArgumentError } from '../protocol/errors';
import type { Address, Datagram, Transport } from './datagram';

import { resolveWebRtcServerOptions } from './webRtcServerOptions';
import type { WebRtcServerOptions } from './webRtcServerOptions';

export type { WebRtcServerOptions } from './webRtcServerOptions';

/**
 * A {@link Transport} over WebRTC data channels, for a server: see {@link listenWebRtc}.
 *
 * @category Transports
 */
export interface WebRtcServerTransport extends Transport {
  /** The peers whose data channel closed (or whose connection failed), as it closes. */
  readonly closed$: Observable<Address>;
  /**
   * Answers a signaling request, a browser's offer (a POST of `{ sdp }` to `path`) with the
   * server's answer, its candidates in it. Call it from your HTTP server's request handler.
   *
   * @return Whether the request was one (its path is `path`): otherwise it is left to you.
   */
  handle(request: IncomingMessage, response: ServerResponse): boolean;
  /**
   * Closes the data channel and connection of the peer at `address`, as a network that drops it
   * would: both ends see the link close.
   *
   * @return Whether there was such a peer.
   */
  closeLink(address: Address): boolean;
  /** Peer connections now, open or opening. */
  readonly peers: number;
  /** Datagrams not sent (a channel closed, or too far behind) and messages that were not binary. */
  readonly dropped: number;
}

/** What node-datachannel is loaded as. */
type DataChannelModule = typeof NodeDataChannel;

/** The largest offer taken, in bytes: an SDP is a few kilobytes. */
const MAX_OFFER_SIZE = 64 * 1024;

/**
 * A server's transport over WebRTC data channels, unordered and unreliable as UDP, with
 * `node-datachannel` (an optional dependency, loaded here: `npm install node-datachannel`).
 * Browsers offer a data channel through {@link WebRtcServerTransport.handle} on the HTTP server
 * that serves their page and WebSockets; each peer gets an address of its own (scheme `rtc`, the
 * browser's IP, a number), and speaks the rxgase protocol over its channel as a UDP client does.
 * Merge it with the UDP and WebSocket transports (`mergeTransports`) to serve all three.
 *
 * ## Example
 * ```ts no-run
 * const rtc = await listenWebRtc({ host: '127.0.0.1' });
 * const http = createServer((request, response) => rtc.handle(request, response) || serveFile(request, response));
 * http.listen(8000);
 * const transport = mergeTransports(await bindUdp({ port: 8080 }), await listenWebSocket({ server: http }), rtc);
 * ```
 *
 * @throws {@link InvalidArgumentError} If node-datachannel is not installed, or an option is bad.
 * @category Transports
 */
export async function listenWebRtc(
  options: WebRtcServerOptions = {},
): Promise<WebRtcServerTransport> {
  const { host, portRange, iceServers, path, maxPeers, openTimeoutMs, bufferLimit, scheduler } =
    resolveWebRtcServerOptions(options);
  const ndc = loadDataChannel();
  const datagrams = new Subject<Datagram>();
  const linksClosed = new Subject<Address>();
  const peers = new Map<number, Peer>();
  let lastId = 0;
  let dropped = 0;
  let closed = false;

  interface Peer {
    readonly address: Address;
    readonly connection: PeerConnection;
    channel: DataChannel | undefined;
    opening: Subscription | undefined;
    ended: boolean;
    /** Fails the answer still being gathered, when the peer ends first. */
    unanswered: ((error: Error) => void) | undefined;
  }

  const end = (peer: Peer): void => {
    if (peer.ended) return;
    peer.ended = true;
    peer.opening?.unsubscribe();
    peers.delete(peer.address.port);
    // Closed both ways: node-datachannel frees a connection only once it is closed.
    peer.unanswered?.(new Error('the peer connection ended before its answer'));
    peer.channel?.close();
    peer.connection.close();
    if (peer.channel !== undefined && !closed) linksClosed.next(peer.address);
  };

  const nextId = (): number => {
    do lastId = (lastId % 0xffff) + 1;
    while (peers.has(lastId));
    return lastId;
  };

  /**
   * The answer to a browser's offer, once the server's candidates are gathered; fails if the peer
   * connection cannot be made, or ends first (its open timeout, the transport closing).
   */
  const answer = (offer: string, from: string): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      const address: Address = { scheme: 'rtc', host: from, port: nextId() };
      let connection: PeerConnection;
      try {
        connection = new ndc.PeerConnection(`rxgase-${address.port}`, {
          iceServers: [...iceServers],
          bindAddress: host,
          ...(portRange && { portRangeBegin: portRange[0], portRangeEnd: portRange[1] }),
        });
      } catch (error) {
        return reject(error instanceof Error ? error : new Error(String(error)));
      }
      const peer: Peer = {
        address,
        connection,
        channel: undefined,
        opening: undefined,
        ended: false,
        unanswered: (error) => reject(error),
      };
      peers.set(address.port, peer);
      // Registered before anything can fail: node-datachannel frees a connection only then.
      connection.onStateChange((state) => {
        if (state === 'closed' || state === 'failed' || state === 'disconnected') end(peer);
      });
      peer.opening = timer(openTimeoutMs, scheduler).subscribe(() => end(peer));
      connection.onDataChannel((channel) => {
        channel.onClosed(() => end(peer));
        if (peer.ended) return channel.close();
        peer.channel = channel;
        peer.opening?.unsubscribe();
        channel.onMessage((message) => {
          if (typeof message === 'string') return void dropped++;
          const data =
            message instanceof ArrayBuffer
              ? new Uint8Array(message)
              : new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
          datagrams.next({ data, address });
        });
      });
      connection.onGatheringStateChange((state) => {
        const description = connection.localDescription();
        if (state !== 'complete' || description === null || peer.unanswered === undefined) return;
        peer.unanswered = undefined;
        resolve(description.sdp);
      });
      try {
        connection.setRemoteDescription(offer, 'offer');
      } catch (error) {
        end(peer);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });

  const reply = (response: ServerResponse, status: number, body: object): void => {
    response.writeHead(status, { 'content-type': 'application/json', ...CORS });
    response.end(JSON.stringify(body));
  };

  const signal = (request: IncomingMessage, response: ServerResponse): void => {
    if (request.method === 'OPTIONS') {
      response.writeHead(204, CORS);
      return void response.end();
    }
    if (request.method !== 'POST') return reply(response, 405, { error: 'POST an offer' });
    if (closed || peers.size >= maxPeers) return reply(response, 503, { error: 'no room' });
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_OFFER_SIZE) return void chunks.push(chunk);
      if (response.headersSent) return;
      // Answered, then the rest is not read: the socket goes once the answer is out.
      response.setHeader('connection', 'close');
      reply(response, 413, { error: `an offer has at most ${MAX_OFFER_SIZE} bytes` });
      response.on('finish', () => request.destroy());
    });
    request.on('end', () => {
      if (size > MAX_OFFER_SIZE) return;
      let offer: unknown;
      try {
        offer = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { sdp?: unknown }).sdp;
      } catch {
        offer = undefined;
      }
      if (typeof offer !== 'string') {
        return reply(response, 400, { error: 'an offer is JSON: { "sdp": "..." }' });
      }
      // Again, now: the transport may have closed, or other offers filled it, meanwhile.
      if (closed || peers.size >= maxPeers) return reply(response, 503, { error: 'no room' });
      const from = (request.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
      answer(offer, from).then(
        (sdp) => reply(response, 200, { type: 'answer', sdp }),
        (error: unknown) => reply(response, 400, { error: String(error) }),
      );
    });
  };

  return {
    datagrams$: datagrams.asObservable(),
    closed$: linksClosed.asObservable(),
    address: { scheme: 'rtc', host, port: 0 },
    get peers() {
      return peers.size;
    },
    get dropped() {
      return dropped;
    },
    closeLink(address: Address): boolean {
      const peer = address.scheme === 'rtc' ? peers.get(address.port) : undefined;
      if (peer === undefined) return false;
      end(peer);
      return true;
    },
    handle(request, response): boolean {
      // The path alone, without URL: a request target URL cannot parse must not throw here.
      const [target = ''] = (request.url ?? '/').split('?');
      if (target !== path) return false;
      signal(request, response);
      return true;
    },
    send({ data, address }: Datagram): void {
      const channel = peers.get(address.port)?.channel;
      if (channel?.isOpen() !== true || channel.bufferedAmount() > bufferLimit)
        return void dropped++;
      try {
        channel.sendMessageBinary(data);
      } catch {
        // The channel went while this was sent: lost, as a datagram would be.
        dropped++;
      }
    },
    close(): void {
      if (closed) return;
      closed = true;
      for (const peer of [...peers.values()]) end(peer);
      datagrams.complete();
      linksClosed.complete();
    },
  };
}

/** Signaling is asked from a page's origin, which may not be the game server's. */
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'content-type',
};

/** node-datachannel, or a clear error where it is not installed. */
function loadDataChannel(): DataChannelModule {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('node-datachannel') as DataChannelModule;
  } catch (error) {
    throw new InvalidArgumentError(
      'WebRTC data channels need the package node-datachannel: npm install node-datachannel',
      { cause: error },
    );
  }
}
