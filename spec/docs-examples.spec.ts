import { join } from 'node:path';
import {
  brokenLinks,
  examplesIn,
  guideFiles,
  runExample,
  typeErrors,
} from './helpers/markdownExamples';

/**
 * Every TypeScript example of the guides in docs/ is type-checked against lib/, and run unless
 * its fence says `ts no-run`, as the README's are (spec/readme.spec.ts).
 */
const examples = guideFiles().flatMap(examplesIn);

describe('the examples in docs/', () => {
  it('are there', () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  it('type-check against the library', () => {
    expect(typeErrors(examples)).toEqual([]);
  });

  it.each(examples.filter((e) => e.run).map((e) => [e.title, e] as const))(
    '%s runs and its assertions hold',
    async (_title, example) => {
      await expect(runExample(example)).resolves.toBeUndefined();
    },
    30_000,
  );
});

/** Every relative link of the README and the guides leads to a file of the repository. */
describe('the links of the README and the guides', () => {
  it.each([join(__dirname, '../README.md'), ...guideFiles()])('in %s lead to files', (file) => {
    expect(brokenLinks(file)).toEqual([]);
  });
});
