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
} from './protocol/constants';
export {
  DecodeError,
  InvalidStateError,
  MalformedPayloadError,
  PackageOverflowError,
  ProtocolIdMismatchError,
  RxgaseError,
  SequenceRangeError,
  TruncatedDatagramError,
  UnencodableValueError,
} from './protocol/errors';
export type { RxgaseErrorCode } from './protocol/errors';
export { isNewer, sqnAdd, sqnBack, sqnDiff, toSqn } from './protocol/sequence';
export { acknowledges, readHeader, writeHeader } from './protocol/header';
export type { Header } from './protocol/header';
export type {
  ClientPackage,
  GameEvent,
  Package,
  ServerPackage,
  UpdatePayload,
} from './protocol/packages';
export {
  encodeClientPackage,
  encodeEvent,
  encodePackage,
  encodeServerPackage,
} from './protocol/encode';
export { decodeClientPackage, decodePackage, decodeServerPackage } from './protocol/decode';

export { GameStatus, createGameState, isGameStatus, isPaused } from './state/gameState';
export type { GameState, GameStateUpdate } from './state/gameState';
export { TO_DELETE, isToDelete } from './state/toDelete';
export { Replacement } from './state/replacement';
export { applyUpdate } from './state/applyUpdate';
export { mergeUpdates } from './state/mergeUpdates';
