import { asyncScheduler } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { MAX_TIMER_MS, checkScheduler } from '../options/checkOption';
import { InvalidArgumentError } from '../protocol/errors';
import { DEFAULT_WEBRTC_PATH } from './webRtcPath';

/**
 * How a WebRTC server transport takes data channels. Every field says its default.
 *
 * @category Transports
 */
export interface WebRtcServerOptions {
  /** The address ICE binds to and offers browsers; default `127.0.0.1` (a public server gives its own). */
  readonly host?: string;
  /** The UDP ports ICE may use, first and last; default any the system gives. */
  readonly portRange?: readonly [number, number];
  /** STUN or TURN servers (`stun:host:port`), for a server behind NAT; default none. */
  readonly iceServers?: readonly string[];
  /** The path of the signaling requests (`handle`); default {@link DEFAULT_WEBRTC_PATH}. */
  readonly path?: string;
  /**
   * Peer connections at once, open or opening, 1 to 65,535; default 1024. Past it, offers are
   * refused (503).
   */
  readonly maxPeers?: number;
  /** How long a peer connection may take to open its data channel; default 10,000 ms. */
  readonly openTimeoutMs?: number;
  /** The most bytes a channel may have waiting before datagrams to it are dropped; default 1 MiB. */
  readonly bufferLimit?: number;
  /** Where the open timeouts run; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/** The most peers a transport numbers at once: each address's port is its number. */
export const MAX_PEERS = 0xffff;

/** {@link WebRtcServerOptions} with every default taken. */
export type ResolvedWebRtcServerOptions = Required<Omit<WebRtcServerOptions, 'portRange'>> &
  Pick<WebRtcServerOptions, 'portRange'>;

/**
 * A WebRTC server transport's options, checked, with their defaults.
 *
 * @throws {@link InvalidArgumentError} If one is not what it must be, naming it.
 */
export function resolveWebRtcServerOptions(
  options: WebRtcServerOptions,
): ResolvedWebRtcServerOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`the options must be an object, got ${String(options)}`);
  }
  const {
    host = '127.0.0.1',
    portRange,
    iceServers = [],
    path = DEFAULT_WEBRTC_PATH,
    maxPeers = 1024,
    openTimeoutMs = 10_000,
    bufferLimit = 1024 * 1024,
    scheduler = asyncScheduler,
  } = options;
  if (typeof host !== 'string' || host === '') {
    throw new InvalidArgumentError(`host must be an IP address or a name, got ${String(host)}`);
  }
  if (
    portRange !== undefined &&
    !(
      Array.isArray(portRange) &&
      portRange.length === 2 &&
      portRange.every((port) => Number.isInteger(port) && port >= 1 && port <= 65535) &&
      portRange[0] <= portRange[1]
    )
  ) {
    throw new InvalidArgumentError(
      `portRange must be [first, last], whole ports from 1 to 65535 with first <= last, got ${JSON.stringify(portRange)}`,
    );
  }
  if (!Array.isArray(iceServers) || iceServers.some((server) => typeof server !== 'string')) {
    throw new InvalidArgumentError(
      `iceServers must be an array of strings (stun:host:port), got ${JSON.stringify(iceServers)}`,
    );
  }
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new InvalidArgumentError(`path must be a string starting with /, got ${String(path)}`);
  }
  if (!(Number.isInteger(maxPeers) && maxPeers >= 1 && maxPeers <= MAX_PEERS)) {
    throw new InvalidArgumentError(`maxPeers must be 1 to ${MAX_PEERS}, got ${maxPeers}`);
  }
  if (!(typeof openTimeoutMs === 'number' && openTimeoutMs > 0 && openTimeoutMs <= MAX_TIMER_MS)) {
    throw new InvalidArgumentError(
      `openTimeoutMs must be a number of ms above 0 and at most ${MAX_TIMER_MS}, got ${String(openTimeoutMs)}`,
    );
  }
  if (!(typeof bufferLimit === 'number' && bufferLimit >= 0 && Number.isFinite(bufferLimit))) {
    throw new InvalidArgumentError(
      `bufferLimit must be a finite number of bytes, 0 or more, got ${String(bufferLimit)}`,
    );
  }
  checkScheduler(scheduler);
  return {
    host,
    ...(portRange !== undefined && { portRange }),
    iceServers,
    path,
    maxPeers,
    openTimeoutMs,
    bufferLimit,
    scheduler: scheduler as SchedulerLike,
  };
}
