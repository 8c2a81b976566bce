import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findChromium, findSystemChromium } from './browser';

describe('finding a Chromium for the browser specs', () => {
  let dir: string;
  let fake: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rxgase-browser-'));
    fake = join(dir, 'google-chrome');
    await writeFile(fake, '#!/bin/sh\n');
    await chmod(fake, 0o755);
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('takes CHROMIUM_PATH first, over a Chrome on PATH', async () => {
    const own = join(dir, 'own-chromium');
    await writeFile(own, '#!/bin/sh\n');
    await chmod(own, 0o755);
    await expect(findChromium({ CHROMIUM_PATH: own, PATH: dir })).resolves.toEqual({
      executablePath: own,
      source: 'CHROMIUM_PATH',
    });
  });

  it('fails naming CHROMIUM_PATH when it is not an executable, rather than trying others', async () => {
    const missing = join(dir, 'missing');
    await expect(findChromium({ CHROMIUM_PATH: missing, PATH: dir })).rejects.toThrow(missing);
    await chmod(fake, 0o644);
    await expect(findChromium({ CHROMIUM_PATH: fake, PATH: dir })).rejects.toThrow(fake);
  });

  it('finds a Chrome on PATH when /usr/bin has none', () => {
    const inUsrBin = findSystemChromium('');
    expect(findSystemChromium(`/nonexistent:${dir}`)).toBe(inUsrBin ?? fake);
  });

  it('skips a file on PATH that is not executable', async () => {
    await chmod(fake, 0o644);
    expect(findSystemChromium(dir)).toBe(findSystemChromium(''));
  });
});
