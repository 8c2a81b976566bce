/** Reads `--port P` and `--host H` from the command line, with defaults. */
export function hostAndPort(
  argv: readonly string[],
  defaults: { host: string; port: number },
): { host: string; port: number } {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const port = Number(value('--port') ?? defaults.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be an integer in 0..65535, got ${value('--port')}`);
  }
  return { host: value('--host') ?? defaults.host, port };
}

/** Logs INFO and above to the console, as the demos do; DEBUG stays quiet. */
export const consoleLogger = {
  debug: () => undefined,
  info: (message: string) => console.log(`INFO  ${message}`),
  warn: (message: string) => console.warn(`WARN  ${message}`),
  error: (message: string, ...details: unknown[]) => console.error(`ERROR ${message}`, ...details),
};
