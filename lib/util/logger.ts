/**
 * Where rxgase writes what it does: `console` or any pino-like logger fits. PyGaSe's levels: INFO
 * for startups, shutdowns, connects and disconnects; DEBUG for the details; ERROR for a handler
 * that threw.
 *
 * @category Server/Backend
 */
export interface Logger {
  /** The details, such as each package sent and received. */
  debug(message: string, ...details: unknown[]): void;
  /** Startups, shutdowns, connects and disconnects. */
  info(message: string, ...details: unknown[]): void;
  /** What was refused, such as a shutdown asked by a client that is not the host. */
  warn(message: string, ...details: unknown[]): void;
  /** What failed, such as an event handler that threw. */
  error(message: string, ...details: unknown[]): void;
}

/**
 * The default: says nothing.
 *
 * @category Server/Backend
 */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
