import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';

/** The flags a demo takes, as `util.parseArgs` reads them. */
export type DemoFlags = NonNullable<ParseArgsConfig['options']>;

/** A demo's command line: what `--help` prints, the flags it takes, and whether it takes words. */
export interface DemoCommand<F extends DemoFlags> {
  /** How to run it, flags and defaults included; printed by `--help` and after every usage error. */
  readonly usage: string;
  readonly flags: F;
  /** Whether it takes words that are not flags (the inspector's datagrams); default false. */
  readonly positionals?: boolean;
}

/** The flag every demo takes besides its own. */
const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/** What `parseDemoArgs` makes of a command line. */
export type DemoArgs<F extends DemoFlags> = ReturnType<
  typeof parseArgs<{
    options: F & typeof HELP;
    strict: true;
    allowPositionals: boolean;
  }>
>;

/** A command line a demo cannot run with; the message says what is wrong with it. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Reads a demo's command line strictly: an unknown flag, a flag without its value, a value given
 * to a flag that takes none, or a word where the demo takes none is a {@link UsageError}, never
 * a default silently taken instead.
 *
 * @throws {UsageError} If the command line is not one the demo takes.
 */
export function parseDemoArgs<F extends DemoFlags>(
  argv: readonly string[],
  command: DemoCommand<F>,
): DemoArgs<F> {
  try {
    return parseArgs({
      args: [...argv],
      options: { ...command.flags, ...HELP },
      strict: true as const,
      allowPositionals: command.positionals ?? false,
    });
  } catch (error) {
    if (isParseArgsError(error)) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}

/**
 * A port from the text of `flag`: digits only, in 0..65535.
 *
 * @throws {UsageError} If it is not.
 */
export function portFlag(flag: string, text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port <= 0xffff)) {
    throw new UsageError(`${flag} must be an integer in 0..65535, got ${JSON.stringify(text)}`);
  }
  return port;
}

/**
 * A count from the text of `flag`: a whole number of at least `min`.
 *
 * @throws {UsageError} If it is not.
 */
export function countFlag(flag: string, text: string, min = 0): number {
  const count = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
  if (!(count >= min)) {
    throw new UsageError(
      `${flag} must be a whole number of at least ${min}, got ${JSON.stringify(text)}`,
    );
  }
  return count;
}

/**
 * Runs a demo's `main` with its command line read by {@link parseDemoArgs}. `--help` prints the
 * usage. A usage error (from the parser, or thrown by `main` as it reads a value) prints what is
 * wrong and the usage, and exits with 2; any other error of `main` prints its name and message
 * and exits with 1.
 */
export function runDemo<F extends DemoFlags>(
  command: DemoCommand<F>,
  main: (args: DemoArgs<F>) => Promise<void> | void,
  argv: readonly string[] = process.argv.slice(2),
): void {
  const fail = (error: unknown): void => {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${command.usage}`);
      process.exitCode = 2;
    } else {
      console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
      process.exitCode = 1;
    }
  };
  try {
    const args = parseDemoArgs(argv, command);
    // The generic type of values cannot see the flag the parser adds to every command.
    if ((args.values as { help?: boolean }).help === true) return console.log(command.usage);
    Promise.resolve(main(args)).catch(fail);
  } catch (error) {
    fail(error);
  }
}

/** Whether `error` is one of the parser's, by its code (Node's errors are not this realm's). */
function isParseArgsError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/** The command of a demo server that listens on `--port` and `--host`, run as `npm run SCRIPT`. */
export function listenCommand(script: string) {
  return {
    usage: `Usage: npm run ${script} -- [--port P] [--host H]

  --port P   the UDP port to listen on (default 8080; 0: one the system chooses)
  --host H   the address to listen on (default localhost; 0.0.0.0: every interface)`,
    flags: {
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: 'localhost' },
    },
  } as const;
}

/** Logs INFO and above to the console, as the demos do; DEBUG stays quiet. */
export const consoleLogger = {
  debug: () => undefined,
  info: (message: string) => console.log(`INFO  ${message}`),
  warn: (message: string) => console.warn(`WARN  ${message}`),
  error: (message: string, ...details: unknown[]) => console.error(`ERROR ${message}`, ...details),
};
