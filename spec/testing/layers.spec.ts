import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const LIB = join(__dirname, '../../lib');
/** An import of the kit, from anywhere in lib/. */
const IMPORTS_KIT = /from '(\.\.?\/)+testing(\/[^']*)?'/;

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

/**
 * The test kit is the top layer: it may use anything in lib/, and nothing in lib/ uses it, so the
 * library (and its browser build) never carries it.
 */
describe('the test kit as a layer', () => {
  it('is imported by nothing else in lib/', () => {
    const importers = sources(LIB)
      .filter((file) => !relative(LIB, file).startsWith('testing/'))
      .filter((file) => IMPORTS_KIT.test(readFileSync(file, 'utf8')))
      .map((file) => relative(LIB, file));
    expect(importers).toEqual([]);
    // The check finds an import where there is one.
    expect("import { TestWorld } from '../testing';").toMatch(IMPORTS_KIT);
    expect("import type { Link } from '../../testing/simulatedLinks';").toMatch(IMPORTS_KIT);
    expect("import { Client } from '../client/client';").not.toMatch(IMPORTS_KIT);
  });
});
