/**
 * The rxgase protocol in one import, as a receive loop or a peer needs it: its constants and
 * packet layout (`rxgaseConstants.ts`), the encoders (`rxgaseEncode.ts`) and the decoder
 * (`rxgaseDecode.ts`).
 */

export {
  CHALLENGE_RESPONSE_SIZE,
  CLOSE_REASONS,
  CONNECT_REQUEST_SIZE,
  COOKIE_SIZE,
  DATA_OVERHEAD,
  DEFAULT_MAX_MESSAGE_SIZE,
  EVENT_ID_SIZE,
  FRAGMENT_OVERHEAD,
  FRAGMENT_PAYLOAD_SIZE,
  HOST_TOKEN_SIZE,
  MAX_DATAGRAM_SIZE,
  MAX_EVENT_IDS,
  MAX_SLICES,
  PACKET_PREFIX_SIZE,
  PacketKind,
  RESUME_TOKEN_SIZE,
  RXGASE_PROTOCOL_ID,
  RXGASE_PROTOCOL_VERSION,
  SLICE_ACK_OVERHEAD,
  SLICE_OVERHEAD,
  SLICE_SIZE,
  TOKEN_SIZE,
  sliceCount,
} from './rxgaseConstants';
export type { CloseReason } from './rxgaseConstants';
export {
  DataPrefix,
  encodeAccept,
  encodeChallenge,
  encodeChallengeResponse,
  encodeClose,
  encodeConnectRequest,
  encodeData,
  encodeFragments,
  encodeShutdownRequest,
  encodeSlice,
  encodeSliceAck,
} from './rxgaseEncode';
export { decodeRxgasePacket, isRxgasePacket, sameBytes } from './rxgaseDecode';
export type {
  DataPacket,
  FragmentPacket,
  RxgasePacket,
  SliceAckPacket,
  SlicePacket,
} from './rxgaseDecode';
