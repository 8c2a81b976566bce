import type { SchedulerLike } from 'rxjs';
import { PROTOCOL_ID } from '../protocol/constants';
import { RXGASE_PROTOCOL_VERSION } from '../protocol/rxgaseConstants';
import type { CloseReason } from '../protocol/rxgasePackets';
import {
  PacketKind,
  decodeRxgasePacket,
  encodeClose,
  isRxgasePacket,
  sameBytes,
} from '../protocol/rxgasePackets';
import { TicketKind, readTicket, resumedSession } from '../protocol/tickets';
import type { Address, Datagram } from '../transport/datagram';
import { addressKey } from '../transport/datagram';
import type { ConnectTokens, TakenTokens } from './connectTokens';
import type { Room } from './room';
import type { RoomRoutes } from './roomRoutes';

/** What a room server's gate needs of it. */
export interface RoomGateContext {
  readonly routes: RoomRoutes;
  readonly rooms: ReadonlyMap<string, Room>;
  /** The room of clients that name none, if the server has one. */
  readonly defaultRoom: () => Room | undefined;
  /** The server's connect tokens, where it gives them out. */
  readonly tokens: ConnectTokens | undefined;
  /** Whether a client without a valid token is refused, PyGaSe clients too. */
  readonly tokensRequired: boolean;
  readonly taken: TakenTokens;
  readonly counts: { refused: number; invalidTokens: number; unroutable: number };
  readonly scheduler: SchedulerLike;
  /** The address clients reach the server at: a token names it. */
  readonly address: () => Address;
  /** Sends a datagram on the server's socket. */
  readonly send: (datagram: Datagram) => void;
}

/**
 * Where a room server's datagrams come in: each goes to the room of its sender, or, a connect
 * request, to the room its ticket names (a connect token's, checked and spent; a room's id; a
 * session to resume) or the default room, or is refused with a close that says why, or dropped;
 * counted either way.
 */
export class RoomGate {
  constructor(private readonly context: RoomGateContext) {}

  /** Hands a datagram to the room of its sender, or to the room its connect request names. */
  route({ data, address }: Datagram): void {
    const { counts, routes } = this.context;
    const key = addressKey(address);
    if (isRxgasePacket(data) && data[4] === PacketKind.ConnectRequest && !routes.isConnected(key)) {
      return this.admit(data, address, key);
    }
    const room = routes.roomOf(key);
    if (room !== undefined) return room.take({ data, address });
    // A farewell's repeat: its client left its room, which answers it again.
    if (isRxgasePacket(data) && data[4] === PacketKind.Close) {
      const left = this.farewellOf(data, key);
      if (left !== undefined) return left.take({ data, address });
    }
    // A PyGaSe client carries no token: it plays only where none is required.
    const pygase =
      !isRxgasePacket(data) &&
      sameBytes(data.subarray(0, PROTOCOL_ID.length), PROTOCOL_ID) &&
      !this.context.tokensRequired;
    const defaultRoom = this.context.defaultRoom();
    if (pygase && defaultRoom !== undefined) {
      routes.expect(key, defaultRoom);
      return defaultRoom.take({ data, address });
    }
    counts.unroutable++;
  }

  /** The room whose client at `key` said the farewell `data` says again, if any. */
  private farewellOf(data: Uint8Array, key: string): Room | undefined {
    let packet;
    try {
      packet = decodeRxgasePacket(data);
    } catch {
      return undefined;
    }
    if (packet.kind !== 'close') return undefined;
    const { token } = packet;
    return [...this.context.rooms.values()].find((room) => room.server.saidFarewell(key, token));
  }

  /** A connect request: into the room its ticket names, or the default room; else refused. */
  private admit(data: Uint8Array, address: Address, key: string): void {
    const { counts, routes, rooms, tokens, send } = this.context;
    let packet;
    try {
      packet = decodeRxgasePacket(data);
    } catch {
      counts.unroutable++;
      return;
    }
    if (packet.kind !== 'connect request') return;
    if (packet.version !== RXGASE_PROTOCOL_VERSION) {
      counts.refused++;
      send({ data: encodeClose(packet.nonce, 'version mismatch'), address });
      return;
    }
    const refuse = (reason: CloseReason): void => {
      counts.refused++;
      if (reason === 'invalid token') counts.invalidTokens++;
      send({ data: encodeClose(packet.nonce, reason), address });
    };
    // A handshake under way from this address is not taken over by another request.
    const nonce = Buffer.from(packet.nonce).toString('hex');
    if (!routes.mayExpect(key, nonce)) {
      counts.unroutable++;
      return;
    }
    // A client back after its link dropped goes to the room that holds its session; the session
    // token, which only it and the room know, is its credential.
    const resumes = resumedSession(packet.ticket);
    if (resumes !== undefined) {
      const holder = [...rooms.values()].find((room) => room.server.resumes(resumes));
      if (holder === undefined) return refuse('unknown session');
      routes.expect(key, holder, nonce);
      holder.take({ data, address });
      return;
    }
    let roomId: string | undefined;
    let clientId: string | undefined;
    if (packet.ticket[0] === TicketKind.Token && tokens !== undefined) {
      const token = tokens.verify(packet.ticket);
      const now = this.context.scheduler.now();
      if (
        token === undefined ||
        token.expires < now ||
        addressKey(token.server) !== addressKey(this.context.address()) ||
        !this.context.taken.take(token, key, now)
      ) {
        return refuse('invalid token');
      }
      roomId = token.roomId;
      clientId = token.clientId;
    } else if (this.context.tokensRequired) {
      return refuse('invalid token');
    } else if (packet.ticket.length > 0) {
      try {
        roomId = readTicket(packet.ticket).roomId;
      } catch {
        return refuse('no such room');
      }
    }
    const room = roomId === undefined ? this.context.defaultRoom() : rooms.get(roomId);
    if (room === undefined || room.isDisposed) return refuse('no such room');
    routes.expect(key, room, nonce, clientId);
    room.take({ data, address });
  }
}
