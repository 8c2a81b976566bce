import type { RunningRedis } from './redisProcess';
import { startRedis } from './redisProcess';

export type { RunningRedis } from './redisProcess';
export { findRedisServer, freePort, startRedis } from './redisProcess';

/**
 * A redis-server for the specs of a describe block: started before them (installing it first if
 * need be), stopped after. Read `url` inside a spec.
 */
export function useRedis(): { readonly current: () => RunningRedis } {
  let redis: RunningRedis | undefined;
  beforeAll(async () => {
    redis = await startRedis();
  }, 180_000);
  afterAll(async () => {
    await redis?.stop();
  });
  return { current: () => redis as RunningRedis };
}
