import { GameStateStore } from '../../lib/game/gameStateStore';
import { SentDictionary } from '../../lib/protocol/sentDictionary';
import { decodeServerPackage } from '../../lib/protocol/decode';
import { PackageOverflowError } from '../../lib/protocol/errors';
import type { Header } from '../../lib/protocol/header';
import { serverPackages } from '../../lib/server/serverPackages';
import type { Unsendable } from '../../lib/server/stateWatch';
import { createGameState } from '../../lib/state/gameState';

const header: Header = { sequence: 7, ack: 3, ackBitfield: 0x80000000 };

describe('serverPackages, the codec a user may build a server connection with', () => {
  it('answers each client package with what the client lacks, telling `sent` of each', () => {
    const store = new GameStateStore(createGameState({ score: 0 }));
    store.pushUpdate({ time_order: 1, score: 5 });
    let reported = 0;
    let sent = 0;
    const codec = serverPackages(store, () => reported, { sent: () => sent++ });

    const full = decodeServerPackage(codec.encode(header));
    expect(full.header).toEqual(header);
    expect(full.update).toEqual({ time_order: 1, game_status: 0, score: 5 });

    reported = 1;
    store.pushUpdate({ time_order: 2, score: 6 });
    expect(decodeServerPackage(codec.encode(header)).update).toEqual({
      time_order: 2,
      game_status: 0,
      score: 6,
    });
    expect(sent).toBe(2);
    expect(codec.baseSize()).toBe(codec.encode(header).length);
  });

  it('has functions of its own, which work taken apart or spread into another codec', () => {
    const store = new GameStateStore(createGameState({ score: 0 }));
    const { decode, encode, baseSize } = serverPackages(store, () => 0);
    const wrapped = { ...serverPackages(store, () => 0), encode: (h: Header) => encode(h) };

    expect(decodeServerPackage(encode(header)).update).toEqual({
      time_order: 0,
      game_status: 0,
      score: 0,
    });
    expect(wrapped.baseSize()).toBe(baseSize());
    expect(wrapped.decode).toBe(decode);
  });

  it('hears of acks and losses only with a dictionary: a PyGaSe client has none', () => {
    const store = new GameStateStore(createGameState({ score: 0 }));
    expect('acked' in serverPackages(store, () => 0)).toBe(false);
    expect('lost' in serverPackages(store, () => 0)).toBe(false);

    const compact = new SentDictionary();
    const codec = serverPackages(store, () => 0, { compact, overhead: 14 });
    codec.encode(header);
    const known = compact.version;
    codec.acked?.(header.sequence);
    // The ack of the package that carried the state's keys makes them known to the client.
    expect(compact.version).not.toBe(known);
    expect(typeof codec.lost).toBe('function');
  });

  it('tells `failed` of a state that does not fit a package, and throws', () => {
    const store = new GameStateStore(createGameState({ blob: 'x'.repeat(3000) }));
    const failed: Unsendable[] = [];
    let sent = 0;
    const codec = serverPackages(store, () => 0, {
      sent: () => sent++,
      failed: (unsendable) => failed.push(unsendable),
    });

    expect(() => codec.encode(header)).toThrow(PackageOverflowError);
    expect(failed).toEqual([
      expect.objectContaining({ room: 2034, error: expect.any(PackageOverflowError) }),
    ]);
    expect(sent).toBe(0);
  });
});
