import { lastValueFrom } from 'rxjs';
import { Backend } from '../../lib/backend/backend';
import { Client } from '../../lib/client/client';
import type { GameState } from '../../lib/state/gameState';
import { GameStatus, createGameState } from '../../lib/state/gameState';

type Counter = GameState<{ ticks: number; last?: string }>;

describe('Backend, over real UDP on 127.0.0.1', () => {
  it('runs the game for its clients until the host shuts it down', async () => {
    const backend = new Backend<Counter>(
      createGameState({ ticks: 0 }) as Counter,
      (state) => ({ ticks: state.ticks + 1 }),
      { NAME: ({ name }) => ({ last: name }) },
    );
    const { port } = await backend.run('127.0.0.1', 0, 10);
    const client = new Client<Counter>();
    await client.connect(port, '127.0.0.1');
    await client.waitUntil((state) => state.ticks >= 3);
    await lastValueFrom(client.dispatchEvent('NAME', { name: 'ann' }, { retries: 3 }), {
      defaultValue: undefined,
    });
    expect((await client.waitUntil((state) => state.last === 'ann')).last).toBe('ann');
    const down = backend.whenShutDown();
    await client.disconnect({ shutdownServer: true });
    await down;
    expect(backend.gameStateMachine.isRunning).toBe(false);
    expect(backend.gameStateStore.getGameState().game_status).toBe(GameStatus.Paused);
  });

  it('shuts down from the API, and the client gives up waiting with a named error', async () => {
    const backend = new Backend<Counter>(createGameState({ ticks: 0 }) as Counter, () => ({}));
    const { port } = await backend.run('127.0.0.1');
    await backend.shutdown();
    const client = new Client<Counter>();
    await expect(client.connect(port, '127.0.0.1', 200)).rejects.toMatchObject({
      code: 'ERR_WAIT_TIMEOUT',
    });
  });
});
