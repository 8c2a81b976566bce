/**
 * Where rxgase writes what it does: `console` or any pino-like logger fits. PyGaSe's levels: INFO
 * for startups, shutdowns, connects and disconnects; DEBUG for the details; ERROR for a handler
 * that threw.
 */
export interface Logger {
  debug(message: string, ...details: unknown[]): void;
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}

/** The default: says nothing. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
