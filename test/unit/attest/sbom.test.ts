import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { describe, expect, it } from 'vitest';
import { buildSbom, summarizeSbom, type BuildSbomInput } from '../../../src/attest/sbom.js';

const INPUT: BuildSbomInput = {
  subject: { name: '127.0.0.1:5000/app', imageId: `sha256:${'1'.repeat(64)}`, manifestDigest: `sha256:${'2'.repeat(64)}`, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, version: '0.1.0' },
  contents: {
    debian: [
      { name: 'libc6', version: '2.41-12', architecture: 'arm64', sourceName: 'glibc' },
      { name: 'tzdata', version: '2025b-4', architecture: 'all' },
      { name: 'libgcc-s1', version: '1:14.2.0-19', architecture: 'arm64', sourceName: 'gcc-14', sourceVersion: '14.2.0-19' },
    ],
    npm: [
      { name: '@puppeteer/browsers', version: '3.2.6', license: 'Apache-2.0', path: '/usr/local/lib/node_modules/@puppeteer/browsers' },
      { name: 'tslib', version: '2.8.1', license: '0BSD', path: '/usr/local/lib/node_modules/tslib' },
      { name: 'tslib', version: '2.8.1', license: '0BSD', path: '/usr/local/lib/node_modules/x/node_modules/tslib' },
      { name: 'dual', version: '1.0.0', license: '(MIT OR Apache-2.0)', path: '/usr/local/lib/node_modules/dual' },
      { name: 'odd', version: '1.0.0', license: 'SEE LICENSE IN LICENSE.md', path: '/usr/local/lib/node_modules/odd' },
      { name: 'none', version: '1.0.0', path: '/usr/local/lib/node_modules/none' },
    ],
    os: { id: 'debian', versionId: '13' },
  },
  timestamp: new Date('2026-01-02T03:04:05Z'),
  tool: { name: 'multiarch', version: '0.1.0' },
};

interface Component {
  name: string;
  version: string;
  purl: string;
  group?: string;
  licenses?: Array<{ license?: { id?: string; name?: string }; expression?: string }>;
}

describe('buildSbom', () => {
  const sbom = buildSbom(INPUT);
  const components = sbom['components'] as Component[];
  const byPurl = (prefix: string): Component[] => components.filter((c) => c.purl.startsWith(prefix));

  it('is valid CycloneDX 1.6 JSON according to the specification schema', async () => {
    const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
    expect(await validator.validate(JSON.stringify(sbom))).toBeNull();
    // and the validator does reject a broken one
    expect(await validator.validate(JSON.stringify({ ...sbom, components: [{ type: 'no-such-type', name: 'x' }] }))).not.toBeNull();
  });

  it('lists Debian packages with deb purls carrying arch, distro and the source package', () => {
    expect(byPurl('pkg:deb/').map((c) => c.purl).sort()).toEqual([
      'pkg:deb/debian/libc6@2.41-12?arch=arm64&distro=debian-13&upstream=glibc',
      'pkg:deb/debian/libgcc-s1@1:14.2.0-19?arch=arm64&distro=debian-13&upstream=gcc-14%4014.2.0-19',
      'pkg:deb/debian/tzdata@2025b-4?arch=all&distro=debian-13',
    ]);
    // the image says nothing about Debian licences: none is invented
    expect(byPurl('pkg:deb/').every((c) => c.licenses === undefined)).toBe(true);
  });

  it('lists every npm install (one package at two paths twice) with its package.json licence', () => {
    const npm = byPurl('pkg:npm/');
    expect(npm).toHaveLength(6);
    const license = (name: string): unknown => npm.find((c) => c.name === name)?.licenses;
    expect(npm.find((c) => c.name === 'browsers')).toMatchObject({ group: '@puppeteer', purl: 'pkg:npm/%40puppeteer/browsers@3.2.6', licenses: [{ license: { id: 'Apache-2.0' } }] });
    expect(license('dual')).toEqual([{ expression: '(MIT OR Apache-2.0)' }]);
    expect(license('odd')).toEqual([{ license: { name: 'SEE LICENSE IN LICENSE.md' } }]);
    expect(license('none')).toBeUndefined();
  });

  it('describes the image in metadata: container, digest, image ID, platform, timestamp, tool', () => {
    expect(sbom['metadata']).toMatchObject({
      timestamp: '2026-01-02T03:04:05.000Z',
      component: { type: 'container', name: '127.0.0.1:5000/app', version: '0.1.0', 'bom-ref': INPUT.subject.manifestDigest },
      tools: { components: [{ name: 'multiarch', version: '0.1.0' }] },
    });
    const properties = (sbom['metadata'] as { component: { properties: Array<{ name: string; value: string }> } }).component.properties;
    expect(properties).toContainEqual({ name: 'multiarch:image:platform', value: 'linux/arm64/v8' });
    expect(properties).toContainEqual({ name: 'multiarch:image:id', value: INPUT.subject.imageId });
  });

  it('is deterministic: the same input gives the same document whatever the input order', () => {
    const shuffled = { ...INPUT, contents: { ...INPUT.contents, debian: [...INPUT.contents.debian].reverse(), npm: [...INPUT.contents.npm].reverse() } };
    expect(JSON.stringify(buildSbom(shuffled))).toBe(JSON.stringify(sbom));
  });

  it('summarizeSbom counts Debian and npm components', () => {
    expect(summarizeSbom(sbom)).toEqual({ debian: 3, npm: 6 });
    expect(summarizeSbom({})).toEqual({ debian: 0, npm: 0 });
  });
});
