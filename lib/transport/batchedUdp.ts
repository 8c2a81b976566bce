import { lookup } from 'node:dns';
import { Subject, asapScheduler } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import type { Address, Datagram, Route } from './datagram';
import { DatagramListeners } from './datagramListeners';
import { formatIp, parseIp } from './ipAddress';
import type { IpBytes } from './ipAddress';
import { RECORD_WORDS } from './nativeUdp';
import type { NativeUdp } from './nativeUdp';
import { PeerHosts, destination } from './peerHosts';
import type { Destination } from './peerHosts';
import { ReadRounds } from './readRounds';
import { badHost, badPort, systemError, validPort } from './systemErrors';
import type { UdpTransport } from './udpTransport';

/** A receive slot holds any UDP datagram: an IPv4 one is at most 65,507 bytes. */
const SLOT_SIZE = 65536;
/** Datagrams taken in one recvmmsg call, and so in one call into JavaScript, at most. */
const RECEIVE_BATCH = 32;
/**
 * What the outbox starts with: a client's turn sends a datagram or two. It doubles as a turn's
 * sends need (a server's beat grows it in its first turns) and stays grown. 200 sockets, each
 * sent 40 datagrams of 1,200 bytes by the first of them in one turn, took 381 KiB of the process's
 * memory each with 256 KiB to start, and 271 with 16 KiB (`node:dgram`'s took 113): the rest is
 * the first socket's outbox, grown for its 8,000, and the pages of the receive slots.
 */
const OUTBOX_BYTES = 16 * 1024;
const OUTBOX_DATAGRAMS = 64;
/** The flag the kernel sets on a datagram cut to fit its slot. */
const MSG_TRUNC = 0x20;
/** The system's code for a send buffer with no room. */
const EAGAIN = 11;

/**
 * A UDP transport on rxgase's native socket (native/udp.c): datagrams are read in batches of up
 * to 32 with `recvmmsg`, each batch one call into JavaScript, and every datagram sent in one turn
 * of the event loop (a server's whole send beat, all its connections due in that millisecond)
 * leaves in one `sendmmsg` as the turn ends. Measured in C on a machine whose system calls cost a
 * microsecond, a datagram sent in a batch of 20 cost a third of one sent alone.
 *
 * It behaves as the `node:dgram` one does: a send is never thrown for the network's sake (a
 * refused one is reported on `errors$` with the system's code, as `send EMSGSIZE 1.2.3.4:5`), a
 * host name is looked up before its datagram goes, and what was sent before `close` still goes.
 *
 * @param udp The native module.
 * @param family The socket's family.
 * @param local The bytes of the address to bind.
 * @param readIntervalMs How long the socket rests once read to its last datagram (see
 *   {@link ReadRounds}).
 * @param scheduler Whose timers end the rests.
 */
export function bindBatched(
  udp: NativeUdp,
  family: 4 | 6,
  local: IpBytes,
  port: number,
  receiveBufferSize: number,
  readIntervalMs = 0,
  scheduler?: SchedulerLike,
): UdpTransport {
  const errors = new Subject<Error>();
  const inbox = Buffer.alloc(SLOT_SIZE * RECEIVE_BATCH);
  const inRecords = new Uint32Array(RECORD_WORDS * RECEIVE_BATCH);
  let outbox = new Uint8Array(OUTBOX_BYTES);
  let outRecords = new Uint32Array(RECORD_WORDS * OUTBOX_DATAGRAMS);
  let outRecordBytes = new Uint8Array(outRecords.buffer);
  /** The sends of this turn: [`sentUpTo`, `queued`) wait; `outBytes` of the outbox are used. */
  let queued = 0;
  let sentUpTo = 0;
  let outBytes = 0;
  let flushScheduled = false;
  /** Waiting for the kernel to have room again (a send stopped at EAGAIN). */
  let blocked = false;
  let closed = false;
  let finished = false;
  /** Names being looked up, whose datagrams go when the answer comes, even after `close`. */
  let lookups = 0;
  const listeners = new DatagramListeners(() => closed);
  const hosts = new PeerHosts(udp);
  const received = (count: number): void => {
    if (count === 0) {
      blocked = false;
      flush();
      return;
    }
    if (count < 0) {
      errors.next(systemError('recv', -count));
      return;
    }
    for (let i = 0; i < count; i++) {
      // Read for each datagram: one goes to those listening as it came, as over node:dgram, and a
      // listener may come or go while a batch is handed out.
      const current = listeners.current;
      const word = RECORD_WORDS * i;
      const length = inRecords[word] ?? 0;
      const port = inRecords[word + 1] ?? 0;
      if (((inRecords[word + 3] ?? 0) & MSG_TRUNC) !== 0) {
        errors.next(
          new RangeError(`a datagram larger than ${SLOT_SIZE} bytes from port ${port} was dropped`),
        );
        continue;
      }
      if (current.length === 0) continue;
      const data = Buffer.allocUnsafe(length);
      inbox.copy(data, 0, i * SLOT_SIZE, i * SLOT_SIZE + length);
      const datagram = { data, address: { host: hosts.textOf(inRecords, i), port } };
      for (const listener of current) listener.next(datagram);
    }
    // A full batch may leave more waiting: the socket rests once it is read to its last datagram.
    rounds.read(count < RECEIVE_BATCH);
  };

  const [socket, boundPort] = udp.open(
    family,
    new Uint32Array(local.bytes.buffer, local.bytes.byteOffset, 4),
    port,
    receiveBufferSize,
    inbox,
    inRecords,
    SLOT_SIZE,
    received,
    local.scope,
  );
  const address: Address = { host: formatIp(family, local.bytes), port: boundPort };
  const rounds = new ReadRounds(udp, socket, readIntervalMs, scheduler);

  /** Sends what waits, in one system call for each 64; reports each datagram refused. */
  function flush(): void {
    flushScheduled = false;
    if (blocked) return;
    while (sentUpTo < queued) {
      sentUpTo = udp.send(socket, outbox, outRecords, sentUpTo, queued);
      if (sentUpTo >= queued) break;
      const errno = udp.lastError(socket);
      if (errno === EAGAIN) {
        blocked = true;
        udp.awaitWritable(socket);
        return;
      }
      const word = RECORD_WORDS * sentUpTo;
      const to = formatIp(
        outRecords[word + 3] === 6 ? 6 : 4,
        outRecordBytes.subarray(4 * (word + 6), 4 * (word + 10)),
      );
      // Past it before it is reported: whoever hears of it may close the transport, which sends
      // what is left, and not this one again.
      sentUpTo++;
      errors.next(systemError('send', errno, to, outRecords[word + 2]));
    }
    queued = sentUpTo = outBytes = 0;
    finishIfDone();
  }

  /** Makes room for one more datagram of `length` bytes in the outbox. */
  function makeRoom(length: number): void {
    if (outBytes + length > outbox.length) {
      const grown = new Uint8Array(Math.max(2 * outbox.length, outBytes + length));
      grown.set(outbox.subarray(0, outBytes));
      outbox = grown;
    }
    if (RECORD_WORDS * (queued + 1) > outRecords.length) {
      const grown = new Uint32Array(2 * outRecords.length);
      grown.set(outRecords);
      outRecords = grown;
      outRecordBytes = new Uint8Array(outRecords.buffer);
    }
  }

  /** Puts a datagram in the outbox, to go as this turn ends. */
  function queue(data: Uint8Array, ip: Destination, port: number): void {
    makeRoom(data.length);
    outbox.set(data, outBytes);
    const word = RECORD_WORDS * queued;
    outRecords[word] = outBytes;
    outRecords[word + 1] = data.length;
    outRecords[word + 2] = port;
    outRecords[word + 3] = ip.family;
    outRecords[word + 4] = ip.scope;
    if (ip.family === 4) outRecords[word + 6] = ip.word;
    else outRecordBytes.set(ip.bytes, 4 * (word + 6));
    outBytes += data.length;
    queued++;
    if (!flushScheduled && !blocked) {
      flushScheduled = true;
      asapScheduler.schedule(flush);
    }
  }

  /** Once closed, and with nothing left to send nor any name still being looked up: closes. */
  function finishIfDone(): void {
    if (!closed || finished || lookups > 0 || sentUpTo < queued) return;
    finished = true;
    rounds.stop();
    udp.close(socket);
    listeners.complete();
    errors.complete();
  }

  /** A route's send: the datagram queued, unless the transport is closed. */
  const routed = (data: Uint8Array, route: NativeRoute): void => {
    if (!closed) queue(data, route, route.port);
  };

  const transport: UdpTransport = {
    datagrams$: listeners.datagrams$,
    address,
    errors$: errors.asObservable(),
    socket: 'native',
    send({ data, address: to }: Datagram): void {
      if (closed) return;
      if (!validPort(to.port)) {
        errors.next(badPort(to.port));
        return;
      }
      if (typeof to.host !== 'string') {
        errors.next(badHost(to.host));
        return;
      }
      // No host is the loopback, as node:dgram takes it.
      const host = to.host === '' ? (family === 4 ? '127.0.0.1' : '::1') : to.host;
      const ip = hosts.bytesOf(host);
      if (ip !== undefined) {
        queue(data, ip, to.port);
        return;
      }
      // A name: looked up first, as node:dgram does; its datagram goes when the answer comes.
      const copy = Uint8Array.from(data);
      lookups++;
      lookup(host, { family }, (error, found) => {
        lookups--;
        const resolved =
          error === null && typeof found === 'string' ? destination(parseIp(found)) : undefined;
        if (resolved !== undefined) queue(copy, resolved, to.port);
        else errors.next(error ?? new Error(`send: ${host} gave no IPv${family} address`));
        finishIfDone();
      });
    },
    close(): void {
      if (closed) return;
      closed = true;
      // What was sent before close still goes out: the socket closes after its last send.
      if (sentUpTo < queued && !flushScheduled && !blocked) flush();
      else finishIfDone();
    },
  };
  // Not enumerable: a copy of the transport with a `send` of its own (`{ ...udp, send }`, which
  // logs or drops what goes out) has no route, and its sends go through that `send`.
  Object.defineProperty(transport, 'route', {
    enumerable: false,
    value: (to: Address): Route => {
      const ip = validPort(to.port) ? hosts.bytesOf(to.host) : undefined;
      // A name, or a port out of range: each datagram goes the way `send` takes it.
      if (ip === undefined) return { send: (data) => transport.send({ data, address: to }) };
      return new NativeRoute(routed, ip, to.port);
    },
  });
  return transport;
}

/**
 * A route of the native socket: the peer's bytes and port in the one object a send reaches for,
 * where `send` looks up the host's text, then its bytes, for each datagram. A server sends each
 * of its clients 40 datagrams a second, and each object apart is cold in the cache by the next.
 */
class NativeRoute implements Destination, Route {
  readonly family: 4 | 6;
  readonly word: number;
  readonly scope: number;
  readonly bytes: Uint8Array;

  constructor(
    private readonly sendTo: (data: Uint8Array, route: NativeRoute) => void,
    ip: Destination,
    readonly port: number,
  ) {
    this.family = ip.family;
    this.word = ip.word;
    this.scope = ip.scope;
    this.bytes = ip.bytes;
  }

  send(data: Uint8Array): void {
    this.sendTo(data, this);
  }
}
