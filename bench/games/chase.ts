/**
 * The chase demo's server for `npm run bench -- --backend bench/games/chase.ts`: its
 * `chaseBackend` takes `BackendOptions` (and more), so it is a `createBackend` as it is.
 *
 *   npm run bench -- --backend bench/games/chase.ts --clients 16 \
 *     --event 'JOIN:{"name":"bot"}' --event 'MOVE:{"position":[100,100]}'
 */
import { chaseBackend } from '../../demos/chase/backend';
import type { CreateBackend } from '../backendModule';

export const createBackend: CreateBackend = chaseBackend;
