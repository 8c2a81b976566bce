import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/*
 * The package as users get it. `npm pack` (whose prepack cleans and builds dist/, once) makes the
 * tarball; it is installed into a CommonJS project and an ES module project, each of which runs
 * the quickstart over UDP on 127.0.0.1; and programs against the shipped declarations are
 * type-checked, the browser one without Node's types.
 */

const ROOT = join(__dirname, '..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

// Two installs, two type-checks and a build, on a machine that may be busy.
jest.setTimeout(180_000);

interface LockEntry {
  readonly version?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
}
interface Lock {
  readonly packages: Readonly<Record<string, LockEntry>>;
}

/** Runs a command, failing with its output when it exits non-zero or outlives `timeout`. */
async function run(
  command: string,
  args: readonly string[],
  cwd: string,
  timeout = 120_000,
): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(command, args, {
      cwd,
      timeout,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`, {
      cause: error,
    });
  }
}

/**
 * The entries of rxgase's own lock file that `names` need at run time, under the same keys: npm
 * finds a dependency in the nearest `node_modules` up from the package that depends on it.
 */
function runtimeEntries(lock: Lock, names: readonly string[]): Record<string, LockEntry> {
  const entries: Record<string, LockEntry> = {};
  const visit = (from: string, name: string, optional: boolean): void => {
    for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/node_modules/')))) {
      const key = `${dir === '' ? '' : `${dir}/`}node_modules/${name}`;
      const entry = lock.packages[key];
      if (entry !== undefined) {
        if (key in entries) return;
        entries[key] = entry;
        for (const dep of Object.keys(entry.dependencies ?? {})) visit(key, dep, false);
        for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(key, dep, true);
        return;
      }
      if (dir === '') {
        if (optional) return;
        throw new Error(`${name}, needed by ${from || 'rxgase'}, is not in package-lock.json`);
      }
    }
  };
  for (const name of names) visit('', name, false);
  return entries;
}

/** The quickstart, as a function of `Backend`, `Client` and `createGameState` in scope. */
const QUICKSTART = `
async function quickstart() {
  const backend = new Backend(
    createGameState({ foo: 0, bar: 0.5 }),
    (state, dt) => ({ foo: state.foo + state.bar * dt }),
    { SET_BAR: ({ new_bar }) => ({ bar: new_bar }) },
  );
  const { port } = await backend.run('127.0.0.1', 0);
  const client = new Client();
  try {
    await client.connect(port, '127.0.0.1');
    const acked = new Promise((resolve, reject) => {
      client
        .dispatchEvent('SET_BAR', [], { new_bar: 2.5 }, { retries: 3 })
        .subscribe({ complete: resolve, error: reject });
    });
    const state = await client.waitUntil((s) => s.bar === 2.5 && s.foo > 0, 10000);
    await acked;
    return { port, bar: state.bar, foo: state.foo };
  } finally {
    await client.disconnect();
    await backend.shutdown();
  }
}
`;

const CJS_SCRIPT = `
const { Backend, Client, bindUdp, createGameState } = require('rxgase');
${QUICKSTART}
quickstart().then(async (result) => {
  const transport = await bindUdp();
  transport.close();
  console.log(JSON.stringify({
    ...result,
    socket: transport.socket,
    browser: require.resolve('rxgase/browser'),
  }));
});
`;

const ESM_SCRIPT = `
import { createRequire } from 'node:module';
import * as rxgase from 'rxgase';
import { Backend, Client, createGameState } from 'rxgase';
import { Client as BrowserClient } from 'rxgase/browser';
${QUICKSTART}
const result = await quickstart();
const exported = Object.keys(createRequire(import.meta.url)('rxgase'));
const transport = await rxgase.bindUdp();
transport.close();
const nativeAsked = await rxgase.bindUdp({ socket: 'native' }).then(
  (t) => t.close(),
  (error) => error.code,
);
console.log(JSON.stringify({
  ...result,
  socket: transport.socket,
  nativeAsked,
  exported: exported.length,
  notImportable: exported.filter((name) => !(name in rxgase)),
  browser: import.meta.resolve('rxgase/browser'),
  browserClient: typeof BrowserClient,
}));
`;

/** Uses the Node entry's types; the expected error proves they are not `any`. */
const NODE_PROGRAM = `
import { Backend, Client, createGameState } from 'rxgase';
import type { Address, NoEvents } from 'rxgase';

const initial = createGameState({ foo: 0, bar: 0.5 });
type State = typeof initial;
interface Events {
  toServer: { SET_BAR: { new_bar: number } };
  toClient: NoEvents;
}
const backend = new Backend<State, Events>(
  initial,
  (state, dt) => ({ foo: state.foo + state.bar * dt }),
  { SET_BAR: ({ new_bar }) => ({ bar: new_bar }) },
);
const address: Address = await backend.run('127.0.0.1', 0);
const client = new Client<State, Events>();
await client.connect(address.port, '127.0.0.1');
client.dispatchEvent('SET_BAR', { new_bar: 2.5 });
// @ts-expect-error the shipped types know the events: a typo'd one does not compile
client.dispatchEvent('SET_BARR', { new_bar: 2.5 });
// @ts-expect-error and the payloads
client.dispatchEvent('SET_BAR', { new_bar: '2.5' });
export const bar: number = (await client.waitUntil((state) => state.bar === 2.5)).bar;
// @ts-expect-error the port is a number
await client.connect('8080');
await client.disconnect();
await backend.shutdown();
`;

const BROWSER_PROGRAM = `
import { Client, createGameState } from 'rxgase/browser';

const initial = createGameState({ foo: 0, bar: 0.5 });
const client = new Client<typeof initial>();
await client.connect(8081, location.hostname);
client.state$.subscribe((state) => {
  document.title = \`foo \${state.foo.toFixed(2)}\`;
});
// @ts-expect-error the port is a number
await client.connect('8081');
`;

/** Strict, and checking the shipped declarations themselves (no skipLibCheck). */
const STRICT = { target: 'ES2022', strict: true, skipLibCheck: false, noEmit: true };

describe('the npm package', () => {
  let work: string;
  let files: string[];

  /**
   * A project with the tarball installed from npm's cache, with no network: with its install
   * scripts run (rxgase's builds its native UDP socket), or without.
   */
  async function project(
    name: string,
    type: 'commonjs' | 'module',
    tarball: string,
    sources: Readonly<Record<string, string>>,
    scripts: 'run' | 'ignore',
  ): Promise<string> {
    const dir = join(work, name);
    await mkdir(dir);
    const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
      dependencies: Record<string, string>;
    };
    const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as Lock;
    const spec = `file:../${tarball}`;
    const integrity = `sha512-${createHash('sha512')
      .update(await readFile(join(work, tarball)))
      .digest('base64')}`;
    // `npm install <tarball> --offline` would need the registry's metadata to resolve rxjs and ws
    // by range, and `npm ci` caches only tarballs: so the project gets a lock file naming the
    // versions rxgase's own lock has, and `npm ci --offline` takes them from npm's cache.
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({ name, private: true, type, dependencies: { rxgase: spec } }),
    );
    await writeFile(
      join(dir, 'package-lock.json'),
      JSON.stringify({
        name,
        lockfileVersion: 3,
        requires: true,
        packages: {
          '': { name, dependencies: { rxgase: spec } },
          'node_modules/rxgase': {
            version: manifest.version,
            resolved: spec,
            integrity,
            // As npm records it: npm ci runs a package's install script only if its lock says so.
            hasInstallScript: true,
            dependencies: manifest.dependencies,
          },
          ...runtimeEntries(lock, Object.keys(manifest.dependencies)),
        },
      }),
    );
    for (const [file, text] of Object.entries(sources)) await writeFile(join(dir, file), text);
    const ignore = scripts === 'ignore' ? ['--ignore-scripts'] : [];
    await run('npm', ['ci', '--offline', '--no-audit', '--no-fund', ...ignore], dir);
    return dir;
  }

  let cjs: string;
  let esm: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'rxgase-package-'));
    await run('npm', ['pack', '--pack-destination', work], ROOT);
    const tarball = (await readdir(work)).find((file) => file.endsWith('.tgz'))!;
    files = (await run('tar', ['-tzf', tarball], work)).split('\n').filter((file) => file !== '');
    [cjs, esm] = await Promise.all([
      project('cjs', 'commonjs', tarball, { 'quickstart.js': CJS_SCRIPT }, 'run'),
      project(
        'esm',
        'module',
        tarball,
        {
          'quickstart.js': ESM_SCRIPT,
          'node.ts': NODE_PROGRAM,
          'browser.ts': BROWSER_PROGRAM,
          'tsconfig.node.json': JSON.stringify({
            compilerOptions: {
              ...STRICT,
              module: 'nodenext',
              types: ['node'],
              typeRoots: [join(ROOT, 'node_modules/@types')],
            },
            files: ['node.ts'],
          }),
          'tsconfig.browser.json': JSON.stringify({
            compilerOptions: {
              ...STRICT,
              lib: ['ES2022', 'DOM'],
              module: 'preserve',
              moduleResolution: 'bundler',
              types: [],
            },
            files: ['browser.ts'],
          }),
        },
        'ignore',
      ),
    ]);
  });

  afterAll(async () => {
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('ships the compiled code, its declarations and the browser bundle, and nothing else', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'package/package.json',
        'package/README.md',
        'package/dist/index.js',
        'package/dist/index.d.ts',
        'package/dist/browser.d.ts',
        'package/dist/rxgase.browser.mjs',
        'package/dist/client/platform.browser.js',
      ]),
    );
    const other = files.filter((file) => !/^package\/dist\/.*(\.js|\.d\.ts|\.mjs)$/.test(file));
    expect(other.sort()).toEqual([
      'package/CHANGELOG.md',
      'package/LICENSE',
      'package/README.md',
      'package/native/build.js',
      'package/native/receive.c',
      'package/native/send.c',
      'package/native/udp.c',
      'package/native/udp.h',
      'package/package.json',
    ]);
    expect(files.filter((file) => /\/(spec|demos|bench|lib)\//.test(file))).toEqual([]);
  });

  it('maps no file to a source it does not ship', async () => {
    const code = files.filter((file) => /\.(js|mjs|d\.ts)$/.test(file));
    const texts = await Promise.all(
      code.map((file) =>
        readFile(join(cjs, 'node_modules/rxgase', file.slice('package/'.length)), 'utf8'),
      ),
    );
    expect(code.filter((_, i) => texts[i]!.includes('sourceMappingURL'))).toEqual([]);
  });

  it('runs the quickstart over UDP when required from CommonJS, on the native socket its install built', async () => {
    const result = JSON.parse(await run(process.execPath, ['quickstart.js'], cjs, 30_000)) as {
      port: number;
      bar: number;
      foo: number;
      socket: string;
      browser: string;
    };
    // Linux's: elsewhere the install builds nothing, and rxgase takes node:dgram.
    expect(result.socket).toBe(process.platform === 'linux' ? 'native' : 'dgram');
    expect(result.port).toBeGreaterThan(0);
    expect(result.bar).toBe(2.5);
    expect(result.foo).toBeGreaterThan(0);
    expect(result.browser).toMatch(/\/node_modules\/rxgase\/dist\/rxgase\.browser\.mjs$/);
  });

  it('runs the quickstart when imported from an ES module, with every export importable by name, on node:dgram where install scripts did not run', async () => {
    const result = JSON.parse(await run(process.execPath, ['quickstart.js'], esm, 30_000)) as {
      bar: number;
      foo: number;
      socket: string;
      nativeAsked: string;
      exported: number;
      notImportable: string[];
      browser: string;
      browserClient: string;
    };
    expect(result.bar).toBe(2.5);
    expect(result.foo).toBeGreaterThan(0);
    expect(result.socket).toBe('dgram');
    expect(result.nativeAsked).toBe('ERR_NATIVE_UDP_UNAVAILABLE');
    expect(result.exported).toBeGreaterThan(50);
    expect(result.notImportable).toEqual([]);
    expect(result.browser).toMatch(/\/node_modules\/rxgase\/dist\/rxgase\.browser\.mjs$/);
    expect(result.browserClient).toBe('function');
  });

  it('type-checks programs against the shipped declarations: Node, and the browser without Node', async () => {
    await Promise.all([
      run(process.execPath, [TSC, '-p', 'tsconfig.node.json'], esm),
      run(process.execPath, [TSC, '-p', 'tsconfig.browser.json'], esm),
    ]);
  });
});
