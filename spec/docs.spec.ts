import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..');

/**
 * The API reference is complete: typedoc (as `npm run docs` runs it, with typedoc.json) finds
 * every export of its entry points documented and every link resolved. Its warnings are errors,
 * so one undocumented export fails this. The site is rendered, into a folder of its own, since
 * some links are only checked then.
 */
describe('the API reference', () => {
  it('builds with every export documented and no warning', async () => {
    const out = mkdtempSync(join(tmpdir(), 'rxgase-docs-'));
    try {
      const run = promisify(execFile)(
        process.execPath,
        [join(ROOT, 'node_modules/typedoc/bin/typedoc'), '--out', out],
        { cwd: ROOT },
      );
      const { stdout, stderr } = await run.catch((error: { stdout: string; stderr: string }) => {
        throw new Error(`typedoc failed:\n${error.stdout}\n${error.stderr}`);
      });
      expect(`${stdout}${stderr}`).not.toMatch(/warning|error/i);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});
