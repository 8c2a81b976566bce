import { EMPTY, of } from 'rxjs';
import type { Connection } from '../../lib/connection/connection';
import { updatesFrom } from '../../lib/client/session';
import type { Arrival } from '../../lib/client/session';
import { SentDictionary } from '../../lib/protocol/sentDictionary';
import { CompactDecoder } from '../../lib/protocol/compactDecoder';
import { CompactEncoder } from '../../lib/protocol/compactEncoder';
import { encodeLargeUpdate } from '../../lib/protocol/encode';
import type { ServerPackage } from '../../lib/protocol/packages';
import type { CloseReason } from '../../lib/protocol/rxgasePackets';
import { BLOCK_CHANGES, BLOCK_WHOLE_STATE } from '../../lib/protocol/rxgaseConstants';
import type { Logger } from '../../lib/util/logger';

/** A connection that brings these blocks and no packages, and notes why it is closed. */
function bringing(blocks: Uint8Array[]) {
  const closed: CloseReason[] = [];
  const connection = {
    remote: { host: 'server', port: 1 },
    packages$: EMPTY,
    blocks$: of(...blocks),
    close: (reason: CloseReason) => void closed.push(reason),
  } as unknown as Connection<ServerPackage>;
  const lines: string[] = [];
  const at = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return { connection, closed, lines, logger };
}

const withKind = (kind: number, bytes: Uint8Array): Uint8Array => Uint8Array.of(kind, ...bytes);

describe('updatesFrom', () => {
  it("reads an rxgase server's blocks with the connection's dictionary, whole states marked", () => {
    const sent = new SentDictionary();
    const encoder = new CompactEncoder();
    const first = encoder.encodeUpdate({ time_order: 1, a: { x: 0.5 } }, sent, 1 << 16).bytes;
    const second = encoder.encodeUpdate({ time_order: 2, a: { x: 1.5 } }, sent, 1 << 16).bytes;
    const { connection, closed, logger } = bringing([
      withKind(BLOCK_WHOLE_STATE, first),
      withKind(BLOCK_CHANGES, second),
    ]);
    const arrivals: Arrival[] = [];
    updatesFrom(connection, logger, new CompactDecoder()).subscribe((a) => arrivals.push(a));
    expect(arrivals).toEqual([
      { update: { time_order: 1, a: { x: 0.5 } }, whole: true },
      { update: { time_order: 2, a: { x: 1.5 } }, whole: false },
    ]);
    expect(closed).toEqual([]);
  });

  it("closes the connection on an rxgase server's block it cannot read, saying why", () => {
    // Key 5 was never defined: later updates would use the definitions the block should have held.
    const bad = withKind(BLOCK_CHANGES, Uint8Array.of(0, 1, 0x81, 5, 1));
    const { connection, closed, lines, logger } = bringing([bad]);
    const arrivals: Arrival[] = [];
    updatesFrom(connection, logger, new CompactDecoder()).subscribe((a) => arrivals.push(a));
    expect(arrivals).toEqual([]);
    expect(closed).toEqual(['error']);
    expect(lines).toEqual([
      'error Closing the connection, unable to read a block of 6 bytes from server:1: key 5 was never defined',
    ]);
  });

  it('drops a PyGaSe-form block it cannot read, and one of an unknown kind, with a warning', () => {
    const good = withKind(BLOCK_CHANGES, encodeLargeUpdate({ time_order: 3, b: 1 }, 1 << 16));
    const { connection, closed, lines, logger } = bringing([
      Uint8Array.of(BLOCK_CHANGES, 0xc1),
      withKind(7, good.subarray(1)),
      good,
    ]);
    const arrivals: Arrival[] = [];
    updatesFrom(connection, logger, undefined).subscribe((a) => arrivals.push(a));
    expect(arrivals).toEqual([{ update: { time_order: 3, b: 1 }, whole: false }]);
    expect(closed).toEqual([]);
    expect(lines).toHaveLength(2);
    expect(lines.every((line) => line.startsWith('warn Dropped a block'))).toBe(true);
  });
});
