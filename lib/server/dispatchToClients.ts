import { catchError, endWith, ignoreElements, merge, of } from 'rxjs';
import type { Observable } from 'rxjs';
import { eventSize, pygaseFraming } from '../connection/framing';
import { checkRetries } from '../connection/outgoingEvents';
import { HEADER_SIZE, LENGTH_PREFIX_SIZE, MAX_PACKAGE_SIZE } from '../protocol/constants';
import { encodeEvent, encodeUpdate } from '../protocol/encode';
import {
  ConnectionClosedError,
  InvalidArgumentError,
  PackageOverflowError,
} from '../protocol/errors';
import type { GameEvent } from '../protocol/packages';
import type { GameState } from '../state/gameState';
import type { Address } from '../transport/datagram';
import { addressKey } from '../transport/datagram';
import type { ClientRegistry } from './clientRegistry';
import type { DispatchOutcome, ServerDispatchOptions } from './serverEvents';

/**
 * Sends an event to every verified client or to one, as `Server.dispatchEvent` does: the options
 * checked, and the outcome for each client, acked or not with the reason.
 *
 * A `targetClient` not connected (it may have just left) gets an outcome that it was not acked,
 * with a {@link ConnectionClosedError}: a handler answering a player who is leaving does not throw.
 * A client held for its reconnection (by the address it dropped from) is sent it when it is back;
 * its outcome fails if it does not come back.
 *
 * @throws {@link InvalidArgumentError} If `targetClient` is not an address, or `retries` is not a
 *   whole number.
 * @throws {@link PackageOverflowError} If the event does not fit in a server package even beside
 *   the smallest update.
 */
export function dispatchToClients<S extends GameState<object>>(
  clients: ClientRegistry<S>,
  event: GameEvent,
  options: ServerDispatchOptions,
  maxMessageSize = MAX_PACKAGE_SIZE,
): Observable<DispatchOutcome> {
  const { targetClient = 'all', retries = 0 } = options;
  checkRetries(retries);
  // Checked once for all, so a bad event fails at the call even with no client connected.
  const size = eventSize(encodeEvent(event, maxMessageSize).length, pygaseFraming);
  if (size > MAX_SERVER_EVENTS_SIZE + maxMessageSize - MAX_PACKAGE_SIZE) {
    throw new PackageOverflowError(
      `the ${event.type} event takes ${size} bytes; a server package has room for ${MAX_SERVER_EVENTS_SIZE} at most`,
    );
  }
  // PyGaSe clients not yet verified are not sent events: their address may not be theirs. Those
  // held for their reconnection are: the events wait for their return.
  const verified = [...clients.all(), ...clients.held()].filter(([, entry]) => entry.verified);
  let targets = verified.map(([, { connection }]) => connection);
  if (targetClient !== 'all') {
    if (!isAddress(targetClient)) {
      throw new InvalidArgumentError(
        `targetClient must be 'all' or a client's address ({ host, port }), got ${String(targetClient)}`,
      );
    }
    const key = addressKey(targetClient);
    const client = clients.get(key) ?? clients.heldAt(key);
    if (client === undefined || !client.verified) {
      const error = new ConnectionClosedError(
        `the ${event.type} event was not sent: no client is connected from ${addressKey(targetClient)}`,
      );
      return of<DispatchOutcome>({ client: targetClient, acked: false, error });
    }
    targets = [client.connection];
  }
  return merge(
    ...targets.map((connection) => {
      let outcome: Observable<void>;
      try {
        outcome = connection.dispatchEvent(event, { retries });
      } catch (error) {
        // This client's queue is full (or its package has no room): its outcome says so.
        return of<DispatchOutcome>({ client: connection.remote, acked: false, error });
      }
      return outcome.pipe(
        ignoreElements(),
        endWith<DispatchOutcome>({ client: connection.remote, acked: true }),
        catchError((error: unknown) =>
          of<DispatchOutcome>({ client: connection.remote, acked: false, error }),
        ),
      );
    }),
  );
}

/**
 * The most bytes a server package has for events: beside its header and the smallest update (a
 * `time_order` alone), to a PyGaSe client (an rxgase one takes a few bytes more per event).
 */
const MAX_SERVER_EVENTS_SIZE =
  MAX_PACKAGE_SIZE - HEADER_SIZE - LENGTH_PREFIX_SIZE - encodeUpdate({ time_order: 0xffff }).length;

/** Whether `value` is an address: a host text and a port number. */
export function isAddress(value: unknown): value is Address {
  if (typeof value !== 'object' || value === null) return false;
  const { host, port } = value as Partial<Address>;
  return typeof host === 'string' && typeof port === 'number';
}
