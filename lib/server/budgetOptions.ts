import { checkSessionBudget } from '../connection/sessionBudget';
import type { SessionBudget } from '../connection/sessionBudget';
import { checkPlaces } from './addressPlaces';

/**
 * What keeps one client, or one machine, from taking more than its share of a server. Every
 * field says its default; see the security guide's options table.
 *
 * @category Server/Backend
 */
export interface BudgetOptions {
  /**
   * How many clients one IP address may have connected at once; default 16
   * (`DEFAULT_MAX_CLIENTS_PER_ADDRESS`), a LAN party behind one NAT. More are refused with
   * `server full` (PyGaSe clients are not told), counted in `stats.refusedPerAddress` and
   * logged. A whole number, or `Infinity` for no limit. PyGaSe clients count once verified by
   * their ack: until then their address may be forged. A client held for its reconnection
   * (`reconnectGraceMs`) keeps its place at the address it dropped from, and one that comes back
   * from another address needs a place there: until one is free it is refused, and tries again.
   */
  readonly maxClientsPerAddress?: number;
  /**
   * What each client's session may send: packages and events a second, with bursts, metered
   * before anything is decoded; default `DEFAULT_SESSION_BUDGET` (640 packages and 32,768 events a
   * second, twice what a `Client` can send). The excess is dropped and counted in the
   * connection's `overBudget` and `eventsOverBudget`; a session with more than half of its
   * datagrams dropped for `floodSeconds` (3) seconds in a row is kicked with the reason
   * `flooding`. False: no limit. Fields that are not fitting numbers make the constructor throw
   * `InvalidArgumentError` (see `checkSessionBudget`).
   */
  readonly sessionBudget?: SessionBudget | false;
}

/**
 * Checks the {@link BudgetOptions} given to a server.
 *
 * @throws {@link InvalidArgumentError} If one is not what it must be, naming it.
 */
export function checkBudgetOptions(options: BudgetOptions): void {
  if (options.maxClientsPerAddress !== undefined) {
    checkPlaces('maxClientsPerAddress', options.maxClientsPerAddress);
  }
  checkSessionBudget(options.sessionBudget);
}
