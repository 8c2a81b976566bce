import { SHUTDOWN_WORD } from '../../lib/protocol/constants';
import {
  PacketKind,
  encodeAccept,
  encodeChallenge,
  encodeClose,
  encodeConnectRequest,
  encodeData,
  CLOSE_REASONS,
  encodeShutdownRequest,
  isRxgasePacket,
} from '../../lib/protocol/rxgasePackets';
import { seededRandom } from '../../lib/transport/random';

/**
 * Bad datagrams for fuzzing a server, from a seed: random bytes, forged handshakes and shutdowns,
 * packets of sessions the server does not know, replayed challenge responses, and mutations of
 * real packages (`recorded`: datagrams a real client sent, recorded on the way to the server);
 * and answers forged in the server's name, for its clients.
 */
export function badDatagrams(seed: number) {
  const random = seededRandom(seed);
  const int = (n: number): number => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const randomBytes = (n: number): Uint8Array => {
    const words = new Uint32Array(Math.ceil(n / 4));
    for (let i = 0; i < words.length; i++) words[i] = random() * 2 ** 32;
    return new Uint8Array(words.buffer, 0, n);
  };

  /** A real package, broken in one of the ways a network or an attacker breaks them. */
  const mutate = (real: Uint8Array): Uint8Array => {
    const copy = new Uint8Array(real);
    switch (int(7)) {
      case 0: // truncated
        return copy.subarray(0, int(copy.length));
      case 1: // bits flipped
        for (let i = 0, n = 1 + int(4); i < n; i++) copy[int(copy.length)]! ^= 1 << int(8);
        return copy;
      case 2: // a wrong length somewhere
        if (copy.length > 2) copy.set([int(256), int(256)], int(copy.length - 1));
        return copy;
      case 3: {
        // a huge msgpack header (array 32, map 32, str 32, bin 32) in the middle
        const at = int(copy.length);
        const header = pick([[0xdd], [0xdf], [0xdb], [0xc6]]).concat([0xff, 0xff, 0xff, 0xf0]);
        return Uint8Array.from([...copy.subarray(0, at), ...header, ...copy.subarray(at)]);
      }
      case 4: // another protocol id
        copy[3] = pick([0xb9, 0xbb, 0x00]);
        return copy;
      case 5: {
        // grown past what a package may be
        const grown = new Uint8Array(2049 + int(1000));
        for (let at = 0; at < grown.length; at += copy.length) {
          grown.set(copy.subarray(0, grown.length - at), at);
        }
        return grown;
      }
      default: // replayed as it was
        return copy;
    }
  };

  /** The challenge responses among `recorded`, found again only when it grew. */
  const responses = { of: 0, found: [] as Uint8Array[] };
  const recordedResponses = (recorded: readonly Uint8Array[]): readonly Uint8Array[] => {
    if (responses.of !== recorded.length) {
      responses.of = recorded.length;
      responses.found = recorded.filter(
        (data) => isRxgasePacket(data) && data[4] === PacketKind.ChallengeResponse,
      );
    }
    return responses.found;
  };
  /** A recorded challenge response sent again, as it was, or else a recorded datagram. */
  const replayedResponse = (recorded: readonly Uint8Array[]): Uint8Array => {
    const found = recordedResponses(recorded);
    return new Uint8Array(found.length > 0 ? pick(found) : pick(recorded));
  };

  return {
    random,
    pick,

    /** What a stranger may send: anything. */
    fromStranger(recorded: readonly Uint8Array[]): Uint8Array {
      if (random() < 0.3) return randomBytes(int(random() < 0.9 ? 80 : 3000));
      if (random() < 0.2) {
        return pick([
          () => encodeConnectRequest(randomBytes(8)),
          () => SHUTDOWN_WORD,
          () => encodeClose(randomBytes(8), 'kicked'),
          // Of a session the server does not know: answered with a close no larger.
          () => encodeData(randomBytes(8), [], randomBytes(int(40))),
          () => encodeShutdownRequest(randomBytes(8), randomBytes(16)),
          // A player's challenge response, from another address.
          () => replayedResponse(recorded),
        ])();
      }
      return mutate(pick(recorded));
    },

    /** What someone who cannot see a player's packets can forge in its name. */
    inPlayersName(recorded: readonly Uint8Array[]): Uint8Array {
      const real = pick(recorded);
      return pick([
        () => new Uint8Array(real), // an exact replay
        () => {
          // the session token guessed wrong
          const forged = new Uint8Array(real);
          if (isRxgasePacket(forged)) forged.set(randomBytes(8), 5);
          return forged;
        },
        () => randomBytes(int(100)),
        () => encodeShutdownRequest(randomBytes(8), randomBytes(16)),
        () => encodeClose(randomBytes(8), 'disconnected'),
        () => SHUTDOWN_WORD,
        // A challenge response replayed: its own, or another player's.
        () => replayedResponse(recorded),
      ])();
    },

    /**
     * What someone who cannot see a client's packets can forge in its server's name: accepts
     * that make it the host, challenges and closes, with tokens guessed.
     */
    fromServer(): Uint8Array {
      return pick([
        () => encodeAccept(randomBytes(8), randomBytes(8), randomBytes(16)),
        () => encodeAccept(randomBytes(8), randomBytes(8)),
        () => encodeChallenge(randomBytes(8), randomBytes(20)),
        () => encodeClose(randomBytes(8), pick(CLOSE_REASONS)),
      ])();
    },
  };
}
