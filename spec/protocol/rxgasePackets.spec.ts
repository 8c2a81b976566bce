import fc from 'fast-check';
import { InvalidArgumentError } from '../../lib/protocol/errors';
import { encodeClientPackage } from '../../lib/protocol/encode';
import {
  CHALLENGE_RESPONSE_SIZE,
  CONNECT_REQUEST_SIZE,
  DataPrefix,
  FRAGMENT_OVERHEAD,
  FRAGMENT_PAYLOAD_SIZE,
  MAX_DATAGRAM_SIZE,
  RXGASE_PROTOCOL_VERSION,
  decodeRxgasePacket,
  encodeAccept,
  encodeChallenge,
  encodeChallengeResponse,
  encodeClose,
  encodeConnectRequest,
  encodeData,
  encodeFragments,
  encodeShutdownRequest,
  isRxgasePacket,
  sameBytes,
} from '../../lib/protocol/rxgasePackets';
import type { CloseReason } from '../../lib/protocol/rxgasePackets';

const token = (seed: number): Uint8Array => Uint8Array.from({ length: 8 }, (_, i) => seed + i);
/** A data packet's session, event ids and package, at random. */
const dataPackets = [
  fc.uint8Array({ minLength: 8, maxLength: 8 }),
  fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 20 }),
  fc.uint8Array({ maxLength: 1000 }),
] as const;
const bytes = (n: number, seed = 0): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => seed + i);

describe('rxgase packets', () => {
  it('starts every packet with the rxgase protocol id, which is not PyGaSe’s', () => {
    const request = encodeConnectRequest(token(1));
    expect([...request.subarray(0, 5)]).toEqual([0xff, 0xd0, 0xfa, 0xba, 1]);
    expect(isRxgasePacket(request)).toBe(true);
    expect(
      isRxgasePacket(
        encodeClientPackage({
          header: { sequence: 1, ack: 0, ackBitfield: 0 },
          timeOrder: 0,
          events: [],
        }),
      ),
    ).toBe(false);
    expect(isRxgasePacket(Uint8Array.of(0xff, 0xd0, 0xfa))).toBe(false);
  });

  it('pads a connect request to 64 bytes, more than any answer to it', () => {
    const request = encodeConnectRequest(token(1));
    expect(request.length).toBe(CONNECT_REQUEST_SIZE);
    const answers = [
      encodeChallenge(token(1), bytes(20)),
      encodeClose(token(1), 'server full'),
      encodeClose(token(1), 'version mismatch'),
    ];
    for (const answer of answers) expect(answer.length).toBeLessThan(request.length);
  });

  it('pads a challenge response to 64 bytes, more than any answer to it', () => {
    const response = encodeChallengeResponse(token(1), bytes(20));
    expect(response.length).toBe(CHALLENGE_RESPONSE_SIZE);
    const answers = [
      encodeAccept(token(1), token(2), bytes(16), bytes(16)),
      encodeClose(token(1), 'server full'),
      encodeClose(token(1), 'version mismatch'),
    ];
    for (const answer of answers) expect(answer.length).toBeLessThan(response.length);
  });

  it('answers a data packet of an unknown session with a close no larger than it', () => {
    expect(encodeClose(token(1), 'unknown session').length).toBeLessThanOrEqual(
      encodeData(token(1), [], new Uint8Array(0)).length,
    );
  });

  it('binds the accept to the nonce of the request it answers', () => {
    const accept = encodeAccept(token(1), token(3), bytes(16, 7));
    expect([...accept.subarray(5, 13)]).toEqual([...token(1)]);
    expect(decodeRxgasePacket(accept)).toMatchObject({ nonce: token(1), session: token(3) });
  });

  it('reads back what it writes, for every kind', () => {
    expect(decodeRxgasePacket(encodeConnectRequest(token(1)))).toEqual({
      kind: 'connect request',
      version: RXGASE_PROTOCOL_VERSION,
      nonce: token(1),
      ticket: new Uint8Array(0),
    });
    // A ticket rides after the nonce; a long one makes the request longer than 64 bytes.
    for (const size of [1, 48, 49, 255]) {
      const request = encodeConnectRequest(token(1), undefined, bytes(size));
      expect(request.length).toBe(Math.max(64, 16 + size));
      expect(decodeRxgasePacket(request)).toMatchObject({ ticket: bytes(size) });
    }
    expect(() => encodeConnectRequest(token(1), undefined, bytes(256))).toThrow(
      InvalidArgumentError,
    );
    expect(decodeRxgasePacket(encodeConnectRequest(token(1), 9))).toMatchObject({ version: 9 });
    expect(decodeRxgasePacket(encodeChallenge(token(1), bytes(20)))).toEqual({
      kind: 'challenge',
      nonce: token(1),
      cookie: bytes(20),
    });
    expect(decodeRxgasePacket(encodeChallengeResponse(token(1), bytes(20, 5), 2))).toEqual({
      kind: 'challenge response',
      version: 2,
      nonce: token(1),
      cookie: bytes(20, 5),
      resumes: undefined,
    });
    const resuming = encodeChallengeResponse(token(1), bytes(20, 5), undefined, bytes(16, 4));
    expect(resuming.length).toBe(CHALLENGE_RESPONSE_SIZE);
    expect(decodeRxgasePacket(resuming)).toMatchObject({ resumes: bytes(16, 4) });
    expect(decodeRxgasePacket(encodeAccept(token(1), token(3), bytes(16, 7)))).toEqual({
      kind: 'accept',
      nonce: token(1),
      session: token(3),
      hostToken: bytes(16, 7),
      resumeToken: undefined,
    });
    expect(decodeRxgasePacket(encodeAccept(token(1), token(3)))).toEqual({
      kind: 'accept',
      nonce: token(1),
      session: token(3),
      hostToken: undefined,
      resumeToken: undefined,
    });
    expect(
      decodeRxgasePacket(encodeAccept(token(1), token(3), undefined, bytes(16, 9))),
    ).toMatchObject({ hostToken: undefined, resumeToken: bytes(16, 9) });
    expect(decodeRxgasePacket(encodeShutdownRequest(token(3), bytes(16, 7)))).toEqual({
      kind: 'shutdown request',
      session: token(3),
      hostToken: bytes(16, 7),
    });
    const reasons: CloseReason[] = [
      'server full',
      'version mismatch',
      'shutdown',
      'timeout',
      'kicked',
      'disconnected',
      'error',
      'unknown session',
      'flooding',
      'state too large',
    ];
    for (const [i, reason] of reasons.entries()) {
      // The byte after the kind and the token: 1 for `server full`, on to 10 for `state too large`.
      expect(encodeClose(token(4), reason)[13]).toBe(i + 1);
      expect(decodeRxgasePacket(encodeClose(token(4), reason))).toEqual({
        kind: 'close',
        token: token(4),
        reason,
      });
    }
  });

  it('wraps a PyGaSe package in a data packet with its event ids', () => {
    fc.assert(
      fc.property(...dataPackets, (session, eventIds, pkg) => {
        const packet = decodeRxgasePacket(encodeData(session, eventIds, pkg));
        expect(packet).toEqual({ kind: 'data', session, eventIds, package: pkg });
      }),
    );
  });

  it('gives a packet that may be kept, such as an accept, bytes of its own', () => {
    const accept = encodeAccept(token(1), token(2));
    expect(accept.byteOffset).toBe(0);
    expect(accept.buffer.byteLength).toBe(accept.length);
  });

  it('writes the same data packets from a session held as its prefix as encodeData does', () => {
    class Writer extends DataPrefix {
      write(eventIds: readonly number[], pkg: Uint8Array): Uint8Array {
        return this.data(eventIds, pkg, 2048);
      }
    }
    fc.assert(
      fc.property(...dataPackets, (session, eventIds, pkg) => {
        const written = new Writer(session).write(eventIds, pkg);
        expect([...written]).toEqual([...encodeData(session, eventIds, pkg)]);
      }),
    );
    expect(() => new Writer(token(1)).write([], new Uint8Array(2048 - 14 + 1))).toThrow(
      expect.objectContaining({ code: 'ERR_PACKAGE_OVERFLOW' }),
    );
    expect(() => new Writer(new Uint8Array(7))).toThrow(
      expect.objectContaining({ code: 'ERR_MALFORMED_PAYLOAD' }),
    );
  });

  it('refuses a data packet over 2048 bytes or with more than 255 ids', () => {
    expect(() => encodeData(token(1), [], new Uint8Array(2048 - 14 + 1))).toThrow(
      expect.objectContaining({ code: 'ERR_PACKAGE_OVERFLOW' }),
    );
    expect(encodeData(token(1), [], new Uint8Array(2048 - 14)).length).toBe(2048);
    expect(() => encodeData(token(1), new Array(256).fill(1), new Uint8Array(0))).toThrow(
      expect.objectContaining({ code: 'ERR_PACKAGE_OVERFLOW' }),
    );
  });

  it('takes a data packet over 2048 bytes only where the receiver allows it', () => {
    const packet = encodeData(token(1), [7], bytes(5000), 6000);
    expect(packet.length).toBe(14 + 4 + 5000);
    expect(decodeRxgasePacket(packet, 6000)).toMatchObject({ kind: 'data', eventIds: [7] });
    expect(() => decodeRxgasePacket(packet)).toThrow(
      expect.objectContaining({ code: 'ERR_PACKAGE_OVERFLOW' }),
    );
    expect(() => encodeData(token(1), [], bytes(5000), 5000)).toThrow(
      expect.objectContaining({ code: 'ERR_PACKAGE_OVERFLOW' }),
    );
  });

  describe('fragments', () => {
    const session = token(3);
    const packet = (size: number): Uint8Array =>
      encodeData(
        session,
        [],
        Uint8Array.from({ length: size - 14 }, (_, i) => i * 7),
        1 << 20,
      );

    it('cut a data packet over 1200 bytes into datagrams of at most 1200 bytes', () => {
      expect(FRAGMENT_OVERHEAD).toBe(19);
      expect(FRAGMENT_PAYLOAD_SIZE).toBe(1181);
      const whole = packet(2 * FRAGMENT_PAYLOAD_SIZE + 10);
      const fragments = encodeFragments(session, 0x1_0005, whole);
      expect(fragments.map((f) => f.length)).toEqual([MAX_DATAGRAM_SIZE, MAX_DATAGRAM_SIZE, 29]);
      expect([...fragments[0]!.subarray(0, 19)]).toEqual([
        0xff,
        0xd0,
        0xfa,
        0xba,
        7,
        ...session,
        0,
        5,
        0,
        0,
        0,
        3,
      ]);
      const decoded = fragments.map((f) => decodeRxgasePacket(f));
      expect(decoded.map((f) => f.kind === 'fragment' && [f.messageId, f.index, f.count])).toEqual([
        [5, 0, 3],
        [5, 1, 3],
        [5, 2, 3],
      ]);
      const joined = Buffer.concat(
        decoded.map((f) => (f.kind === 'fragment' ? f.payload : new Uint8Array(0))),
      );
      expect(Uint8Array.from(joined)).toEqual(whole);
      expect(decoded[0]).toMatchObject({ session });
    });

    it('are not made for a packet that fits one datagram, nor past 65,535', () => {
      expect(() => encodeFragments(session, 1, packet(FRAGMENT_PAYLOAD_SIZE))).toThrow(
        expect.objectContaining({ code: 'ERR_MALFORMED_PAYLOAD' }),
      );
      expect(() =>
        encodeFragments(session, 1, new Uint8Array(0xffff * FRAGMENT_PAYLOAD_SIZE + 1)),
      ).toThrow(expect.objectContaining({ code: 'ERR_PACKAGE_OVERFLOW' }));
      expect(() => encodeFragments(bytes(7), 1, packet(3000))).toThrow(
        expect.objectContaining({ code: 'ERR_MALFORMED_PAYLOAD' }),
      );
    });

    it('are refused when their index, count or size is not one rxgase sends', () => {
      const [first, last] = encodeFragments(session, 1, packet(FRAGMENT_PAYLOAD_SIZE + 1));
      const code = (datagram: Uint8Array): string => {
        try {
          decodeRxgasePacket(datagram);
          return 'decoded';
        } catch (error) {
          return (error as { code: string }).code;
        }
      };
      const edited = (from: Uint8Array, at: number, value: number): Uint8Array => {
        const copy = from.slice();
        copy[at] = value;
        return copy;
      };
      expect(code(last!)).toBe('decoded');
      expect(code(edited(first!, 18, 1))).toBe('ERR_MALFORMED_PAYLOAD'); // count 1
      expect(code(edited(first!, 16, 2))).toBe('ERR_MALFORMED_PAYLOAD'); // index past count
      expect(code(first!.subarray(0, 100))).toBe('ERR_MALFORMED_PAYLOAD'); // short, not last
      expect(code(last!.subarray(0, FRAGMENT_OVERHEAD))).toBe('ERR_TRUNCATED_DATAGRAM');
      const long = new Uint8Array(MAX_DATAGRAM_SIZE + 1);
      long.set(first!);
      expect(code(long)).toBe('ERR_PACKAGE_OVERFLOW');
    });
  });

  it('refuses tokens and cookies of the wrong size when writing', () => {
    expect(() => encodeConnectRequest(bytes(7))).toThrow(
      expect.objectContaining({ code: 'ERR_MALFORMED_PAYLOAD' }),
    );
    expect(() => encodeChallenge(token(1), bytes(19))).toThrow(
      expect.objectContaining({ code: 'ERR_MALFORMED_PAYLOAD' }),
    );
  });

  describe('decoding bad bytes', () => {
    const code = (datagram: Uint8Array): string => {
      try {
        decodeRxgasePacket(datagram);
      } catch (error) {
        return (error as { code: string }).code;
      }
      return 'decoded';
    };

    it('throws ERR_PROTOCOL_ID_MISMATCH for another protocol id', () => {
      expect(code(Uint8Array.of(0xff, 0xd0, 0xfa, 0xb9, 0))).toBe('ERR_PROTOCOL_ID_MISMATCH');
      expect(code(new Uint8Array(0))).toBe('ERR_PROTOCOL_ID_MISMATCH');
    });

    it('throws ERR_TRUNCATED_DATAGRAM when a packet ends early', () => {
      expect(code(Uint8Array.of(0xff, 0xd0, 0xfa, 0xba))).toBe('ERR_TRUNCATED_DATAGRAM');
      expect(code(encodeConnectRequest(token(1)).subarray(0, 20))).toBe('ERR_TRUNCATED_DATAGRAM');
      expect(code(encodeData(token(1), [1, 2], bytes(3)).subarray(0, 16))).toBe(
        'ERR_TRUNCATED_DATAGRAM',
      );
      expect(code(encodeData(token(1), [], bytes(0)).subarray(0, 10))).toBe(
        'ERR_TRUNCATED_DATAGRAM',
      );
    });

    it('throws ERR_MALFORMED_PAYLOAD for an unknown kind, reason, flag or size', () => {
      const kind = encodeClose(token(1), 'kicked');
      kind[4] = 0xff;
      expect(code(kind)).toBe('ERR_MALFORMED_PAYLOAD');
      const reason = encodeClose(token(1), 'kicked');
      reason[13] = 0;
      expect(code(reason)).toBe('ERR_MALFORMED_PAYLOAD');
      reason[13] = 14; // one past `dropped`, the last
      expect(code(reason)).toBe('ERR_MALFORMED_PAYLOAD');
      const flags = encodeAccept(token(1), token(2));
      flags[21] = 4;
      expect(code(flags)).toBe('ERR_MALFORMED_PAYLOAD');
      const long = new Uint8Array(CONNECT_REQUEST_SIZE + 1);
      long.set(encodeConnectRequest(token(1)));
      expect(code(long)).toBe('ERR_MALFORMED_PAYLOAD');
    });

    it('throws ERR_PACKAGE_OVERFLOW for a datagram over 2048 bytes', () => {
      const big = new Uint8Array(2049);
      big.set(encodeData(token(1), [], bytes(0)));
      expect(code(big)).toBe('ERR_PACKAGE_OVERFLOW');
    });

    it('throws only named errors, whatever the bytes', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat({ max: 7 }), (tail, kind) => {
          const datagram = Uint8Array.of(0xff, 0xd0, 0xfa, 0xba, kind, ...tail);
          expect(code(datagram)).toMatch(/^(decoded|ERR_[A-Z_]+)$/);
        }),
      );
    });
  });

  it('compares tokens by value', () => {
    expect(sameBytes(token(1), token(1))).toBe(true);
    expect(sameBytes(token(1), token(2))).toBe(false);
    expect(sameBytes(token(1), bytes(7, 1))).toBe(false);
  });
});
