import { InvalidStateError, SequenceRangeError } from '../../lib/protocol/errors';
import { GameStatus, createGameState, isGameStatus, isPaused } from '../../lib/state/gameState';
import { TO_DELETE, isToDelete } from '../../lib/state/toDelete';

describe('the game state', () => {
  it('has the wire values of PyGaSe for its status', () => {
    expect(GameStatus.Paused).toBe(0);
    expect(GameStatus.Active).toBe(1);
    expect(isGameStatus(0)).toBe(true);
    expect(isGameStatus(1)).toBe(true);
    expect(isGameStatus(2)).toBe(false);
    expect(isGameStatus('1')).toBe(false);
  });

  it('starts at time_order 0, paused, with the custom keys given', () => {
    const state = createGameState({ player_hp: 100 });
    expect(state).toEqual({ player_hp: 100, time_order: 0, game_status: GameStatus.Paused });
    expect(isPaused(state)).toBe(true);
  });

  it('takes time_order and game_status when given', () => {
    const state = createGameState({ time_order: 4, game_status: GameStatus.Active, data: 'kept' });
    expect(state).toEqual({ time_order: 4, game_status: GameStatus.Active, data: 'kept' });
    expect(isPaused(state)).toBe(false);
  });

  it('refuses a time_order out of range and a status that is none', () => {
    expect(() => createGameState({ time_order: 70000 })).toThrow(SequenceRangeError);
    expect(() => createGameState({ game_status: 2 as GameStatus })).toThrow(InvalidStateError);
    expect(() => createGameState({ game_status: 2 as GameStatus })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_STATE' }),
    );
  });
});

describe('TO_DELETE', () => {
  it("is PyGaSe's four bytes d2 81 e5 ba", () => {
    expect(Buffer.from(TO_DELETE).toString('hex')).toBe('d281e5ba');
  });

  it('is recognised by value and by nothing else', () => {
    expect(isToDelete(TO_DELETE)).toBe(true);
    expect(isToDelete(Uint8Array.of(0xd2, 0x81, 0xe5, 0xba))).toBe(true);
    expect(isToDelete(Buffer.from('d281e5ba', 'hex'))).toBe(true);
    expect(isToDelete(Uint8Array.of(0xd2, 0x81, 0xe5))).toBe(false);
    expect(isToDelete(Uint8Array.of(0xd2, 0x81, 0xe5, 0xbb))).toBe(false);
    expect(isToDelete(Uint8Array.of(0xd2, 0x81, 0xe5, 0xba, 0))).toBe(false);
    expect(isToDelete([0xd2, 0x81, 0xe5, 0xba])).toBe(false);
    expect(isToDelete('d281e5ba')).toBe(false);
  });
});
