import { HostNotFoundError } from '../protocol/errors';

/** The codes Node gives a lookup that found no address: the name, or an address for it, is not there. */
const NOT_THERE = new Set(['ENOTFOUND', 'ENODATA', 'ENONAME', 'EAI_NODATA', 'EAI_NONAME']);

/** The codes Node gives a lookup that got no answer: no DNS server reached, or one that failed. */
const NO_ANSWER = new Set(['EAI_AGAIN', 'EAI_FAIL', 'ESERVFAIL', 'ETIMEOUT', 'ECONNREFUSED']);

/**
 * The error to give for `error`, which looking up `hostname` raised: a {@link HostNotFoundError}
 * (its `cause` the system's error) if the lookup found no address or got no answer, else `error`
 * itself, for a failure that is not the name's (a port taken, say).
 *
 * ## Example
 * ```ts
 * const address = await lookup(hostname).catch((error: unknown) => {
 *   throw hostNotFound(hostname, error);
 * });
 * ```
 */
export function hostNotFound(hostname: string, error: unknown): unknown {
  const { code, syscall } = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    syscall?: unknown;
  };
  if (typeof code !== 'string') return error;
  const shown = JSON.stringify(hostname);
  if (NOT_THERE.has(code)) {
    return new HostNotFoundError(
      `the hostname ${shown} was not found: DNS has no address for it (${code})`,
      hostname,
      { cause: error },
    );
  }
  // ECONNREFUSED and ETIMEOUT mean something else from a socket: only a lookup's are the DNS's.
  const lookedUp =
    syscall === 'getaddrinfo' || (typeof syscall === 'string' && syscall.startsWith('query'));
  if (NO_ANSWER.has(code) && lookedUp) {
    return new HostNotFoundError(
      `the hostname ${shown} could not be looked up: no DNS server answered (${code}); is the network up?`,
      hostname,
      { cause: error },
    );
  }
  return error;
}
