/**
 * rxgase's test kit (`rxgase/testing`): your game on a real server, real clients over a seeded
 * simulated network, all in virtual time, so a test plays minutes of a game under 25% loss in
 * milliseconds, the same way every run. See {@link TestWorld}.
 *
 * ## Example
 * ```ts
 * import { createGameState } from 'rxgase';
 * import { TestWorld } from 'rxgase/testing';
 *
 * const world = await TestWorld.start({
 *   initialState: createGameState({ count: 0 }),
 *   eventHandlers: { ADD: ({ n }, { gameState }) => ({ count: gameState.count + n }) },
 *   network: { latencyMs: 50, loss: 0.25 },
 * });
 * const ann = await world.connect('ann');
 * await world.settle(ann.dispatchEvent('ADD', { n: 1 }, { retries: 10 }));
 * await world.until(ann, (state) => state.count === 1);
 * ```
 *
 * @packageDocumentation
 */

export { TestWorld } from './testWorld';
export { DEFAULT_VIRTUAL_TIMEOUT_MS } from './waits';
export type { LinkStats } from './testClients';
export type { TestGame, TestGameBackend, TestGameParts, TestGameStateMachine } from './testGame';
export type { TestClientOptions, TestWorldOptions } from './testWorldOptions';
