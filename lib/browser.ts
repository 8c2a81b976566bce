/**
 * rxgase for the browser: the {@link Client} over the browser's own WebSocket, and what a client
 * needs beside it, with no Node built-in. `npm run build:browser` bundles it as an ES module,
 * `dist/rxgase.browser.mjs` (`import { Client } from 'rxgase/browser'`); in this build a `Client`
 * connects over WebSocket by default.
 *
 * ## Example
 * ```ts
 * import { Client } from 'rxgase/browser';
 *
 * const client = new Client();
 * await client.connect(8081, location.hostname); // the server's WebSocket port
 * client.state$.subscribe((state) => draw(state));
 * ```
 *
 * @packageDocumentation
 */

export {
  DEFAULT_FRAME_MS,
  DEFAULT_INTERPOLATION_DELAY_MS,
  interpolate,
} from './operators/interpolate';
export type { InterpolateOptions } from './operators/interpolate';
export { predict } from './operators/predict';
export type { PredictOptions } from './operators/predict';
export {
  ACK_BITFIELD_SIZE,
  HEADER_SIZE,
  MAX_PACKAGE_SIZE,
  MAX_SEQUENCE,
  PROTOCOL_ID,
} from './protocol/constants';
export {
  AckTimeoutError,
  ConnectionClosedError,
  DecodeError,
  InvalidArgumentError,
  InvalidStateError,
  MalformedPayloadError,
  PackageOverflowError,
  ProtocolIdMismatchError,
  RxgaseError,
  SequenceRangeError,
  TruncatedDatagramError,
  UnencodableValueError,
  WaitTimeoutError,
} from './protocol/errors';
export type { RxgaseErrorCode } from './protocol/errors';
export type { GameEvent, ServerPackage, UpdatePayload } from './protocol/packages';
export type { Reservation, RoomInfo, RoomOptions } from './protocol/tickets';
export type {
  AnyEvents,
  AnyPayload,
  EventOf,
  EventType,
  GameEvents,
  HandlerPayload,
  NoEvents,
  NoPayload,
  PayloadAndOptions,
} from './protocol/events';
export { GameStatus, createGameState, isGameStatus, isPaused } from './state/gameState';
export type { GameState, GameStateUpdate } from './state/gameState';
export { TO_DELETE, isToDelete } from './state/toDelete';
export type { ToDelete } from './state/toDelete';
export { Replacement } from './state/replacement';
export { applyUpdate } from './state/applyUpdate';
export { TRANSPORT_ERROR, addressKey } from './transport/datagram';
export type { Address, Datagram, Route, Transport } from './transport/datagram';
export { DEFAULT_WEBRTC_PATH } from './transport/webRtcPath';
export { webRtcClientTransport } from './transport/webRtcClient';
export type {
  DataChannelLike,
  FetchLike,
  LinkKind,
  PeerConnectionConstructor,
  PeerConnectionLike,
  WebRtcClientOptions,
  WebRtcClientTransport,
} from './transport/webRtcClient';
export { webSocketClientTransport } from './transport/webSocketClient';
export { simulateNetwork } from './transport/simulateNetwork';
export type { NetworkConditions } from './transport/simulateNetwork';
export { simulatedTransport } from './transport/simulatedTransport';
export type {
  WebSocketClientOptions,
  WebSocketClientTransport,
  WebSocketConstructor,
  WebSocketLike,
} from './transport/webSocketClient';
export { ConnectionStatus } from './connection/connection';
export type { Connection } from './connection/connection';
export type { ConnectionStats } from './connection/stats';
export { silentLogger } from './util/logger';
export type { Logger } from './util/logger';
export { Client } from './client/client';
export { ROOMS_ERROR } from './client/matchmaking';
export type { ClientEventHandler, ClientStatus } from './client/client';
export { DEFAULT_WAIT_MS } from './client/clientOptions';
export type { ClientOptions, ReconnectOptions } from './client/clientOptions';
export { pygaseHandler } from './connection/eventHandlers';
export type { EventArgs, PygaseHandler } from './connection/eventHandlers';
