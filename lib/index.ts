/**
 * rxgase: real-time game networking on RxJS, wire-compatible with PyGaSe.
 *
 * @packageDocumentation
 */

export {
  ACK_BITFIELD_SIZE,
  HEADER_SIZE,
  MAX_PACKAGE_SIZE,
  MAX_SEQUENCE,
  PROTOCOL_ID,
  SHUTDOWN_WORD,
} from './protocol/constants';
export {
  AckTimeoutError,
  ConnectionClosedError,
  ConnectionRefusedError,
  DecodeError,
  EventQueueFullError,
  HostNotFoundError,
  InvalidArgumentError,
  InvalidStateError,
  MalformedPayloadError,
  NativeUdpUnavailableError,
  PackageOverflowError,
  ProtocolIdMismatchError,
  RxgaseError,
  SequenceRangeError,
  SessionMismatchError,
  StateTooLargeError,
  TruncatedDatagramError,
  UnencodableValueError,
  WaitTimeoutError,
} from './protocol/errors';
export type { RxgaseErrorCode } from './protocol/errors';
export { isNewer, sqnAdd, sqnBack, sqnDiff, toSqn } from './protocol/sequence';
export { acknowledges, readHeader, writeHeader } from './protocol/header';
export type { Header } from './protocol/header';
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
export type {
  ClientPackage,
  GameEvent,
  Package,
  ServerPackage,
  UpdatePayload,
} from './protocol/packages';
export {
  appendEvents,
  encodeClientPackage,
  encodeEvent,
  encodePackage,
  encodeServerPackage,
} from './protocol/encode';
export { decodeClientPackage, decodePackage, decodeServerPackage } from './protocol/decode';
export { CompactDecoder } from './protocol/compactDecoder';
export { CompactEncoder } from './protocol/compactEncoder';
export { FieldKind, ReceivedDictionary } from './protocol/compactDictionary';
export { SentDictionary } from './protocol/sentDictionary';
export type {
  CompactTrace,
  Definition,
  ReceivedShape,
  ShapeDefinition,
} from './protocol/compactDictionary';

export { GameStatus, createGameState, isGameStatus, isPaused } from './state/gameState';
export type { GameState, GameStateUpdate } from './state/gameState';
export { TO_DELETE, isToDelete } from './state/toDelete';
export type { ToDelete } from './state/toDelete';
export type {
  ChangeTo,
  ChangesOf,
  CheckedChanges,
  Deletable,
  ExactlyChanges,
  StateChanges,
} from './state/stateChanges';
export { Replacement } from './state/replacement';
export { applyUpdate } from './state/applyUpdate';
export { mergeUpdates } from './state/mergeUpdates';

export { TRANSPORT_ERROR, addressKey } from './transport/datagram';
export type { Address, Datagram, Route, Transport } from './transport/datagram';
export { DEFAULT_RECEIVE_BUFFER_SIZE, bindUdp } from './transport/udpTransport';
export { DEFAULT_READ_INTERVAL_MS } from './transport/readRounds';
export type { UdpTransport, UdpTransportOptions } from './transport/udpTransport';
export { listenWebSocket } from './transport/webSocketServer';
export type { WebSocketServerStats, WebSocketServerTransport } from './transport/webSocketServer';
export {
  CLOSE_NO_SESSION,
  DEFAULT_MAX_WEBSOCKETS_PER_ADDRESS,
  DEFAULT_WEBSOCKET_BUFFER_LIMIT,
  DEFAULT_WEBSOCKET_HANDSHAKE_TIMEOUT,
  DEFAULT_WEBSOCKET_HEARTBEAT_INTERVAL,
} from './transport/webSocketServerOptions';
export type { WebSocketServerOptions } from './transport/webSocketServerOptions';
export { listenWebRtc } from './transport/webRtcServer';
export type { WebRtcServerOptions, WebRtcServerTransport } from './transport/webRtcServer';
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
export type {
  WebSocketClientOptions,
  WebSocketClientTransport,
  WebSocketConstructor,
  WebSocketLike,
} from './transport/webSocketClient';
export { mergeTransports } from './transport/mergeTransports';
export type { MergedTransport } from './transport/mergeTransports';
export { MemoryNetwork } from './transport/memoryNetwork';
export {
  DISCOVERY_GROUP,
  DISCOVERY_PORT,
  DISCOVERY_REQUEST_SIZE,
  MAX_DISCOVERY_SIZE,
  decodeDiscovery,
  encodeDiscoveryAnswer,
  encodeDiscoveryRequest,
} from './discovery/discoveryCodec';
export type { DiscoveryInfo, DiscoveryMessage } from './discovery/discoveryCodec';
export { discover } from './discovery/discover';
export type { DiscoverOptions, DiscoveredServer } from './discovery/discover';
export { answerDiscovery } from './discovery/answerDiscovery';
export type { AnswerDiscoveryOptions, DiscoveryResponder } from './discovery/answerDiscovery';
export { simulateNetwork } from './transport/simulateNetwork';
export { simulatedTransport } from './transport/simulatedTransport';
export type { NetworkConditions } from './transport/simulateNetwork';
export { SimulationScheduler } from './transport/simulationScheduler';
export { seededRandom } from './transport/random';

export { decodePackages } from './operators/decodePackages';
export { trackReceived } from './operators/trackReceived';
export type { ReceiveWindow, Received } from './operators/trackReceived';
export { PACKAGE_TIMEOUT_MS, resolveAcks } from './operators/resolveAcks';
export type { AckOutcome, SentPackage } from './operators/resolveAcks';
export { LATENCY_SMOOTHING, smoothLatency } from './operators/smoothLatency';
export { CONGESTION, avoidCongestion } from './operators/avoidCongestion';
export type { CongestionSetting, Quality } from './operators/avoidCongestion';
export { URGENT_GAP_DIVISOR, paceSends } from './operators/paceSends';
export {
  DEFAULT_FRAME_MS,
  DEFAULT_INTERPOLATION_DELAY_MS,
  interpolate,
} from './operators/interpolate';
export type { InterpolateOptions } from './operators/interpolate';
export { predict } from './operators/predict';
export type { PredictOptions } from './operators/predict';
export { CONNECTION_TIMEOUT_MS, whenSilent } from './operators/whenSilent';
export { exchangePackages } from './operators/exchangePackages';
export { demultiplex } from './operators/demultiplex';
export type { Demultiplexed, DemultiplexOptions } from './operators/demultiplex';
export type { ExchangeOptions, PeerSignal } from './operators/exchangePackages';
export {
  DEFAULT_MAX_PARTIAL_MESSAGES,
  ReassemblyBudget,
  joinFragments,
} from './operators/joinFragments';
export type { FragmentDrop, JoinOptions } from './operators/joinFragments';
export {
  DEFAULT_MAX_MESSAGE_SIZE,
  MAX_DATAGRAM_SIZE,
  FRAGMENT_PAYLOAD_SIZE,
  SLICE_SIZE,
} from './protocol/rxgaseConstants';
export { DEFAULT_BLOCK_BANDWIDTH } from './connection/blockSender';

export {
  Connection,
  ConnectionStatus,
  RXGASE_CLIENT_ACK_EVERY,
  ACK_AFTER_BYTES,
} from './connection/connection';
export type { ConnectionOptions, DispatchOptions } from './connection/connection';
export type { ConnectionStats } from './connection/stats';
export type { Framed } from './connection/framing';
export { clientPackages, plainPackages } from './connection/packageCodec';
export { connectTo } from './connection/connectTo';
export { EventHandlers, pygaseHandler } from './connection/eventHandlers';
export type { EventArgs, HandlerError, PygaseHandler } from './connection/eventHandlers';
export type { PackageCodec } from './connection/packageCodec';

export { silentLogger } from './util/logger';
export type { Logger } from './util/logger';
export { diffFromAny, diffStates } from './state/diffStates';
export { GameStateStore, UPDATE_CACHE_SIZE } from './game/gameStateStore';
export { DEFAULT_HISTORY_MS, StateHistory } from './game/stateHistory';
export { GameStateMachine } from './game/gameStateMachine';
export { gameLogic } from './game/gameLogic';
export type { GameLogic } from './game/gameLogic';
export type {
  GameEventHandler,
  GameEventHandlers,
  HandlerContext,
  HandlerFailure,
  TimeStep,
} from './game/gameHandlers';
export type { GameStateMachineOptions } from './game/gameStateMachineOptions';
export { Server } from './server/server';
export {
  DEFAULT_LEGACY_JOINS_PER_SECOND,
  DEFAULT_MAX_CLIENTS,
  DEFAULT_MAX_REASSEMBLY_BYTES,
} from './server/serverOptions';
export type { ServerOptions } from './server/serverOptions';
export type {
  ClientConnected,
  ClientDisconnected,
  ClientDropped,
  ClientReconnected,
  ClientConnection,
} from './server/clientConnection';
export type {
  ClientEvent,
  DispatchOutcome,
  EventWire,
  ServerDispatchOptions,
  ServerError,
  ServerEventHandler,
  ServerHandlerContext,
} from './server/serverEvents';
export { GAME_STATE_ERROR } from './server/serverEvents';
export { serverPackages } from './server/serverPackages';
export type { ServerPackagesOptions, UpdateBlocks } from './server/serverPackages';
export { UNSENDABLE_STATE_GRACE_MS } from './server/stateWatch';
export type { Unsendable } from './server/stateWatch';
export type { StateSource } from './server/stateSource';
export type { View, ViewClient } from './server/views';
export { withinRadius } from './server/withinRadius';
export type { WithinRadiusOptions } from './server/withinRadius';
export { inNearbyCells } from './server/inNearbyCells';
export type { NearbyCellsOptions } from './server/inNearbyCells';
export type { SpatialViewOptions } from './server/nearEntities';
export type { ServerStats } from './server/serverStats';
export { DEFAULT_RATE_LIMIT } from './server/rateLimiter';
export type { RateLimit } from './server/rateLimiter';
export { DEFAULT_MAX_CLIENTS_PER_ADDRESS } from './server/addressPlaces';
export type { BudgetOptions } from './server/budgetOptions';
export { BudgetMeter, DEFAULT_SESSION_BUDGET } from './connection/sessionBudget';
export type { FloodReport, SessionBudget } from './connection/sessionBudget';
export {
  DEFAULT_MAX_EVENTS_PER_CLIENT_PER_TICK,
  DEFAULT_MAX_QUEUED_EVENTS_PER_CLIENT,
} from './game/fairQueue';
export { RXGASE_PROTOCOL_ID, RXGASE_PROTOCOL_VERSION } from './protocol/rxgaseConstants';
export type { CloseReason } from './protocol/rxgaseConstants';
export { DEFAULT_MAX_PENDING_EVENTS } from './connection/eventIds';
export { Client } from './client/client';
export { ROOMS_ERROR } from './client/matchmaking';
export type { ClientEventHandler, ClientStatus } from './client/client';
export { DEFAULT_WAIT_MS } from './client/clientOptions';
export type { ClientOptions, ReconnectOptions } from './client/clientOptions';
export { Backend } from './backend/backend';
export type { BackendOptions } from './backend/backend';

export { RoomServer, DEFAULT_MAX_ROOMS, DEFAULT_RESERVATION_MS } from './rooms/roomServer';
export { Room, DEFAULT_ROOM_MAX_CLIENTS, DEFAULT_ROOM_TICK_MS } from './rooms/room';
export type { RoomServerOptions, RoomServerStats } from './rooms/roomServer';
export type {
  RoomContext,
  RoomDefinition,
  RoomInfo,
  RoomOptions,
  RoomType,
} from './rooms/roomDefinition';
export type { Reservation } from './protocol/tickets';
export { AuthRefusedError, MatchmakingError, NoSuchRoomError } from './protocol/errors';
export { Matchmaker, MAX_MATCHMAKER_BODY } from './rooms/matchmaker';
export type { MatchmakerOptions, SeatSource } from './rooms/matchmaker';
export { RoomCluster } from './rooms/roomCluster';
export { ClusterSeats } from './rooms/clusterSeats';
export { runCluster } from './rooms/runCluster';
export type { ClusterOptions, RunningCluster } from './rooms/runCluster';
export type { ClusterEntry } from './rooms/clusterSeats';
export type { RoomClusterOptions } from './rooms/roomCluster';
export { InMemoryPresence } from './rooms/presence';
export type { Presence, ProcessEntry, RemoteCall } from './rooms/presence';
export { RedisPresence } from './rooms/redisPresence';
export type { RedisPresenceOptions } from './rooms/redisPresence';
export { DEFAULT_TOKEN_TTL_MS } from './rooms/connectTokens';
