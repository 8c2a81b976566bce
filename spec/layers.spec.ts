import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

const LIB = join(__dirname, '../lib');

/**
 * The layers of lib/, earliest first (docs/layout.md): a file may import from its own layer and
 * from earlier ones, never from a later one. `.` is lib/'s own files, the entry points
 * (`index.ts`, `browser.ts`); the test kit comes after them, so the library never carries it.
 */
const LAYERS = [
  'util',
  'protocol',
  'options',
  'state',
  'transport',
  'discovery',
  'operators',
  'connection',
  'game',
  'server',
  'client',
  'backend',
  'rooms',
  '.',
  'testing',
] as const;

/** The module each import, export or `import()` of a file names, in the order written. */
const SPECIFIER =
  /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)(['"])([^'"]+)\1/gm;

function specifiers(source: string): string[] {
  return [...source.matchAll(SPECIFIER)].map((match) => match[2] ?? '');
}

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

/** The layer of a path under lib/: its first folder, or `.` for a file of lib/ itself. */
function layerOf(pathInLib: string): string {
  const [first = '.', ...rest] = pathInLib.split(sep);
  const folder = join(LIB, first);
  return rest.length > 0 || (existsSync(folder) && statSync(folder).isDirectory()) ? first : '.';
}

/** A layer as the message names it. */
function named(layer: string): string {
  return layer === '.' ? "lib/'s entry points" : `lib/${layer}/`;
}

/** Each import in `source` (the text of `file`, a path under lib/) that goes to a later layer. */
function againstTheOrder(file: string, source: string): string[] {
  const from = layerOf(file);
  return specifiers(source)
    .filter((specifier) => specifier.startsWith('.'))
    .flatMap((specifier) => {
      const target = relative('.', join(dirname(file), specifier));
      const to = layerOf(target);
      return LAYERS.indexOf(to as never) > LAYERS.indexOf(from as never)
        ? [
            `lib/${file.split(sep).join('/')} imports '${specifier}': ` +
              `${named(from)} may not import ${named(to)}, a later layer`,
          ]
        : [];
    });
}

describe('the layers of lib/', () => {
  const files = sources(LIB).map((file) => relative(LIB, file));

  it('each have a place in the order', () => {
    const unplaced = [...new Set(files.map(layerOf))].filter(
      (layer) => !LAYERS.includes(layer as never),
    );
    expect(unplaced).toEqual([]);
  });

  it('import only from their own layer and earlier ones', () => {
    const violations = files.flatMap((file) =>
      againstTheOrder(file, readFileSync(join(LIB, file), 'utf8')),
    );
    expect(violations).toEqual([]);
  });

  it('name the file and the import that goes against the order', () => {
    const server = join('server', 'server.ts');
    expect(
      againstTheOrder(server, "import type { GameStateStore } from '../backend/gameStateStore';"),
    ).toEqual([
      "lib/server/server.ts imports '../backend/gameStateStore': " +
        'lib/server/ may not import lib/backend/, a later layer',
    ]);
    expect(
      againstTheOrder(
        join('protocol', 'encode.ts'),
        "import {\n  atPath,\n} from '../util/valuePath';\nexport { x } from './header';",
      ),
    ).toEqual([]);
    expect(againstTheOrder('index.ts', "export { TestWorld } from './testing';")).toEqual([
      "lib/index.ts imports './testing': lib/'s entry points may not import lib/testing/, a later layer",
    ]);
    expect(
      againstTheOrder(
        join('state', 'values.ts'),
        "type T = import('../connection/stats').ConnectionStats;\nimport '../server/gate';",
      ),
    ).toHaveLength(2);
  });
});
