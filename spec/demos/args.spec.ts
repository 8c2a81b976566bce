import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { UsageError, countFlag, parseDemoArgs, portFlag } from '../../demos/args';

const ROOT = join(__dirname, '../..');

const quickstart = {
  usage: 'Usage: quickstart [--port P] [--host H] [--pygase]',
  flags: {
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: 'localhost' },
    pygase: { type: 'boolean', default: false },
  },
} as const;

describe("a demo's command line", () => {
  it('takes the defaults when no flag is given', () => {
    const { values, positionals } = parseDemoArgs([], quickstart);
    expect(values).toEqual({ port: '8080', host: 'localhost', pygase: false });
    expect(positionals).toEqual([]);
  });

  it('takes flags as `--flag value` and `--flag=value`', () => {
    const { values } = parseDemoArgs(['--port', '9000', '--host=0.0.0.0', '--pygase'], quickstart);
    expect(values).toEqual({ port: '9000', host: '0.0.0.0', pygase: true });
  });

  it.each([
    [['--prot', '9000'], /Unknown option '--prot'/],
    [['--port'], /'--port <value>' argument missing/],
    [['--port', '--host', 'x'], /'--port' argument is ambiguous/],
    [['--pygase=yes'], /'--pygase' does not take an argument/],
    [['9000'], /Unexpected argument '9000'/],
  ])('refuses %p, saying what is wrong', (argv, why) => {
    expect(() => parseDemoArgs(argv, quickstart)).toThrow(UsageError);
    expect(() => parseDemoArgs(argv, quickstart)).toThrow(why);
  });

  it('takes words that are not flags only where the demo does', () => {
    const inspect = { usage: 'Usage: inspect [HEX ...]', flags: {}, positionals: true } as const;
    expect(parseDemoArgs(['ffd0', 'fab9'], inspect).positionals).toEqual(['ffd0', 'fab9']);
  });

  it('sees --help and -h in every demo', () => {
    expect(parseDemoArgs(['--help'], quickstart).values).toMatchObject({ help: true });
    expect(parseDemoArgs(['-h'], quickstart).values).toMatchObject({ help: true });
  });
});

describe('portFlag', () => {
  it.each([
    ['0', 0],
    ['8080', 8080],
    ['65535', 65535],
  ])('reads %p as %p', (text, port) => {
    expect(portFlag('--port', text)).toBe(port);
  });

  it.each(['65536', '-1', '80.5', '', ' 80', '0x50', '1e3', 'eighty'])(
    'refuses %p, naming the flag and the value',
    (text) => {
      expect(() => portFlag('--udp-port', text)).toThrow(UsageError);
      expect(() => portFlag('--udp-port', text)).toThrow(
        `--udp-port must be an integer in 0..65535, got ${JSON.stringify(text)}`,
      );
    },
  );
});

describe('countFlag', () => {
  it('reads a whole number of at least the minimum', () => {
    expect(countFlag('--bots', '0')).toBe(0);
    expect(countFlag('--count', '3', 1)).toBe(3);
  });

  it.each(['0', '-2', '2.5', 'many', ''])('refuses %p where at least 1 is needed', (text) => {
    expect(() => countFlag('--count', text, 1)).toThrow(
      `--count must be a whole number of at least 1, got ${JSON.stringify(text)}`,
    );
  });
});

/**
 * Loads a demo's entry point afresh with `argv` as its command line, as npm runs it but in this
 * process; resolves with the exit code it set and what it printed.
 */
async function loadEntryPoint(
  file: string,
  argv: readonly string[],
): Promise<{ exitCode: number | string | undefined; stdout: string; stderr: string }> {
  const saved = { argv: process.argv, exitCode: process.exitCode };
  const printed = { stdout: '', stderr: '' };
  const log = jest
    .spyOn(console, 'log')
    .mockImplementation((...a) => (printed.stdout += a.join(' ')));
  const error = jest
    .spyOn(console, 'error')
    .mockImplementation((...a) => (printed.stderr += a.join(' ')));
  process.argv = [saved.argv[0]!, join(ROOT, file), ...argv];
  try {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(join(ROOT, file));
    });
    // What main throws reaches the console a turn later.
    await new Promise((resolve) => setImmediate(resolve));
    return { exitCode: process.exitCode, ...printed };
  } finally {
    process.argv = saved.argv;
    process.exitCode = saved.exitCode;
    log.mockRestore();
    error.mockRestore();
  }
}

// Every entry point that reads the command line reads it strictly, before it opens a socket.
describe.each([
  ['demos/quickstart/backend.ts', 'npm run demo:quickstart'],
  ['demos/quickstart/client.ts', 'npm run demo:client'],
  ['demos/chase/server.ts', 'npm run demo:chase'],
  ['demos/chase/client.ts', 'npm run demo:chase:client'],
  ['demos/chase/bots.ts', 'npm run demo:chase:bots'],
  ['demos/chase/web/main.ts', 'npm start'],
  ['demos/inspect/inspect.ts', 'npm run demo:inspect'],
  ['demos/cluster/main.ts', 'npm run cluster'],
])('%s', (file, script) => {
  it('exits with 2 at an unknown flag, saying which, and shows its usage', async () => {
    const { exitCode, stdout, stderr } = await loadEntryPoint(file, ['--prot', '9000']);
    expect(exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain("Unknown option '--prot'");
    expect(stderr).toContain(`Usage: ${script}`);
  });

  it('prints its usage for --help', async () => {
    const { exitCode, stdout } = await loadEntryPoint(file, ['--help']);
    expect(exitCode).toBeUndefined();
    expect(stdout).toContain(`Usage: ${script}`);
  });
});

describe('the cluster, without its rooms module', () => {
  it('exits with 2, naming the flag it needs', async () => {
    const { exitCode, stderr } = await loadEntryPoint('demos/cluster/main.ts', []);
    expect(exitCode).toBe(2);
    expect(stderr).toContain('--rooms is needed');
  });
});

describe('the quickstart client, run as npm runs it', () => {
  it('exits with 2 at a port out of range, naming it', async () => {
    const tsx = join(ROOT, 'node_modules/tsx/dist/cli.mjs');
    const run = promisify(execFile)(
      process.execPath,
      [tsx, join(ROOT, 'demos/quickstart/client.ts'), '--port', '70000'],
      { cwd: ROOT, timeout: 30_000 },
    );
    await expect(run).rejects.toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringContaining('--port must be an integer in 0..65535, got "70000"'),
    });
  }, 30_000);
});
