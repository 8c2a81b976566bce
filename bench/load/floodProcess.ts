/**
 * The flooder of the flood scenario, in a process of its own: one socket that passes the rxgase
 * handshake and then sends from inside its session what an attacker sent, 5,000 packages a
 * second of 30 events each. Kicked, it does the handshake again and goes on.
 *
 * Requests: `{ kind: 'start', port }` starts the flood at the server on 127.0.0.1:port;
 * `{ kind: 'stop' }` stops it and answers what it sent and how often it was kicked.
 */
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { appendEvents, encodeClientPackage, encodeEvent } from '../../lib/index';
import {
  decodeRxgasePacket,
  encodeChallengeResponse,
  encodeConnectRequest,
  encodeData,
} from '../../lib/protocol/rxgasePackets';
import { answerRequests } from './child';

const PACKAGES_PER_SECOND = 5000;
const EVENTS_PER_PACKAGE = 30;
const EVERY_MS = 10;

const socket = createSocket('udp4');
let port = 0;
let session: Uint8Array | undefined;
let nonce = new Uint8Array(randomBytes(8));
let sequence = 0;
let eventId = 0;
let sent = 0;
let kicks = 0;
let timer: NodeJS.Timeout | undefined;
const event = encodeEvent({ type: 'PING', args: [], kwargs: {} });
const events = Array.from({ length: EVENTS_PER_PACKAGE }, () => event);

function send(data: Uint8Array): void {
  socket.send(data, port, '127.0.0.1');
}

function connect(): void {
  session = undefined;
  nonce = new Uint8Array(randomBytes(8));
  send(encodeConnectRequest(nonce));
}

socket.on('message', (data) => {
  let packet;
  try {
    packet = decodeRxgasePacket(new Uint8Array(data));
  } catch {
    return; // the server's packages to the session: not read
  }
  if (packet.kind === 'challenge') send(encodeChallengeResponse(nonce, packet.cookie));
  else if (packet.kind === 'accept') session = packet.session;
  else if (packet.kind === 'close' && timer !== undefined) {
    kicks++;
    connect();
  }
});

function flood(): void {
  if (session === undefined) return;
  for (let i = 0; i < (PACKAGES_PER_SECOND * EVERY_MS) / 1000; i++) {
    sequence = (sequence % 0xffff) + 1;
    const header = { sequence, ack: 0, ackBitfield: 0 };
    const pkg = appendEvents(encodeClientPackage({ header, timeOrder: 0, events: [] }), events);
    send(
      encodeData(
        session,
        events.map(() => (eventId = (eventId + 1) >>> 0)),
        pkg,
      ),
    );
    sent++;
  }
}

answerRequests((body: { kind: 'start'; port: number } | { kind: 'stop' }) => {
  if (body.kind === 'start') {
    port = body.port;
    return new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve)).then(() => {
      connect();
      timer = setInterval(flood, EVERY_MS);
      return {};
    });
  }
  clearInterval(timer);
  timer = undefined;
  socket.close();
  return { sent, kicks };
});
