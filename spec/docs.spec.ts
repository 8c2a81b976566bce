import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..');

/**
 * The API reference is complete: typedoc (as `npm run docs` runs it, with typedoc.json) finds
 * every export of lib/index.ts and lib/browser.ts documented and every link resolved. Its
 * warnings are errors, so one undocumented export fails this.
 */
describe('the API reference', () => {
  it('builds with every export documented and no warning', async () => {
    const run = promisify(execFile)(
      process.execPath,
      [join(ROOT, 'node_modules/typedoc/bin/typedoc'), '--emit', 'none'],
      { cwd: ROOT },
    );
    const { stdout, stderr } = await run.catch((error: { stdout: string; stderr: string }) => {
      throw new Error(`typedoc failed:\n${error.stdout}\n${error.stderr}`);
    });
    expect(`${stdout}${stderr}`).not.toMatch(/warning|error/i);
  }, 60_000);
});
