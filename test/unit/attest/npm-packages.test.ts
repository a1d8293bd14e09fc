import { describe, expect, it } from 'vitest';
import { isPackageDirectory, npmPackageFromManifest } from '../../../src/attest/npm-packages.js';

describe('isPackageDirectory', () => {
  it('accepts node_modules/<name> and node_modules/@scope/<name>, nested or not', () => {
    for (const dir of ['/usr/local/lib/node_modules/tsx', '/usr/local/lib/node_modules/@puppeteer/browsers', '/usr/local/lib/node_modules/tsx/node_modules/esbuild', '/opt/x/node_modules/@types/node']) {
      expect(isPackageDirectory(dir), dir).toBe(true);
    }
  });

  it('rejects marker package.json files inside a package and a bare scope directory', () => {
    for (const dir of ['/usr/local/lib/node_modules/rxjs/dist/esm', '/usr/local/lib/node_modules/@puppeteer', '/usr/local/lib/node_modules', '/opt/browse']) {
      expect(isPackageDirectory(dir), dir).toBe(false);
    }
  });
});

describe('npmPackageFromManifest', () => {
  const dir = '/usr/local/lib/node_modules/x';

  it('takes name, version, licence, homepage and description', () => {
    expect(npmPackageFromManifest(dir, { name: 'x', version: '1.2.3', license: 'MIT', homepage: 'https://x.test', description: 'X' })).toEqual({ name: 'x', version: '1.2.3', license: 'MIT', path: dir, homepage: 'https://x.test', summary: 'X' });
  });

  it('reads the deprecated licence forms and leaves an unknown licence out', () => {
    expect(npmPackageFromManifest(dir, { name: 'x', version: '1', license: { type: 'ISC' } })?.license).toBe('ISC');
    expect(npmPackageFromManifest(dir, { name: 'x', version: '1', licenses: [{ type: 'MIT' }, { type: 'Apache-2.0' }] })?.license).toBe('(MIT OR Apache-2.0)');
    expect(npmPackageFromManifest(dir, { name: 'x', version: '1' })).not.toHaveProperty('license');
  });

  it('a file naming no package (no name or no version) is not a package', () => {
    expect(npmPackageFromManifest(dir, { type: 'module' })).toBeUndefined();
    expect(npmPackageFromManifest(dir, { name: 'x' })).toBeUndefined();
    expect(npmPackageFromManifest(dir, null)).toBeUndefined();
  });
});
