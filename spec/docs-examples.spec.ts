import { join } from 'node:path';
import {
  brokenLinks,
  examplesIn,
  guideFiles,
  runExample,
  typeErrors,
} from './helpers/markdownExamples';

/**
 * Every TypeScript example of the README and of the guides in docs/ is type-checked against lib/,
 * and run unless its fence says `ts no-run`, with `console.assert` made to throw: an example that
 * no longer compiles or no longer holds fails the build.
 */
const README = join(__dirname, '../README.md');
const examples = [README, ...guideFiles()].flatMap(examplesIn);

describe('the examples of the README and docs/', () => {
  it("are there, the README's among them", () => {
    expect(examples.filter((e) => e.title.startsWith('README.md')).length).toBeGreaterThanOrEqual(
      2,
    );
    expect(examples.length).toBeGreaterThan(10);
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

/** Every relative link of the README and the guides leads to a file of the repository. */
describe('the links of the README and the guides', () => {
  it.each([README, ...guideFiles()])('in %s lead to files', (file) => {
    expect(brokenLinks(file)).toEqual([]);
  });
});
