import { join } from 'node:path';
import { examplesIn, runExample, typeErrors } from './helpers/markdownExamples';

/**
 * The README's TypeScript examples are type-checked against lib/ and run, with `console.assert`
 * made to throw, so an example that no longer compiles or no longer holds fails the build.
 */
const examples = examplesIn(join(__dirname, '../README.md'));

describe('the README examples', () => {
  it('are there', () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
  });

  it('type-check against the library', () => {
    expect(typeErrors(examples)).toEqual([]);
  });

  it.each(examples.filter((e) => e.run).map((e) => [e.title, e] as const))(
    '%s runs and its assertions hold',
    async (_title, example) => {
      await expect(runExample(example)).resolves.toBeUndefined();
    },
    // A minute of a virtual game takes a second or two, more on a loaded machine.
    30_000,
  );
});
