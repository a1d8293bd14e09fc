import { describe, expect, it } from 'vitest';
import { familiarReference, formatReference, isRegistryHost, parseReference, parseRegistryHost } from '../../../src/oci/reference.js';

const D = `sha256:${'ab'.repeat(32)}`;

describe('parseReference (Docker-compatible normalisation)', () => {
  const good: Array<[string, string]> = [
    ['ubuntu', 'docker.io/library/ubuntu:latest'],
    ['ubuntu:22.04', 'docker.io/library/ubuntu:22.04'],
    ['library/ubuntu', 'docker.io/library/ubuntu:latest'],
    ['user/app', 'docker.io/user/app:latest'],
    ['index.docker.io/user/app', 'docker.io/user/app:latest'],
    ['docker.io/ubuntu', 'docker.io/library/ubuntu:latest'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/app:v1', 'localhost:5000/app:v1'],
    ['127.0.0.1:5000/team/app:v1', '127.0.0.1:5000/team/app:v1'],
    ['[::1]:5000/app', '[::1]:5000/app:latest'],
    ['Registry.Example.com/app', 'Registry.Example.com/app:latest'],
    // like Docker: a first component that is not all lower case is a registry host
    ['UPPER/app', 'UPPER/app:latest'],
    ['123456789012.dkr.ecr.us-east-1.amazonaws.com/multi-arch-test:latest-arm64v8', '123456789012.dkr.ecr.us-east-1.amazonaws.com/multi-arch-test:latest-arm64v8'],
    [`app@${D}`, `docker.io/library/app@${D}`],
    [`host:5000/app:v1@${D}`, `host:5000/app:v1@${D}`],
    ['a/b-c__d.e/f--g', 'docker.io/a/b-c__d.e/f--g:latest'],
    ['app:V1.0_rc-1', 'docker.io/library/app:V1.0_rc-1'],
  ];
  for (const [input, expected] of good) {
    it(`${input} → ${expected}`, () => {
      expect(formatReference(parseReference(input))).toBe(expected);
    });
  }

  it('keeps parts apart, with the digest winning for fetches', () => {
    expect(parseReference(`host:5000/a/b:t@${D}`)).toEqual({ registry: 'host:5000', repository: 'a/b', tag: 't', digest: D });
    expect(parseReference(`app@${D}`).tag).toBeUndefined();
  });

  it('gives the familiar form back', () => {
    expect(familiarReference(parseReference('ubuntu'))).toBe('ubuntu:latest');
    expect(familiarReference(parseReference('docker.io/user/app:1'))).toBe('user/app:1');
    expect(familiarReference(parseReference('localhost:5000/app'))).toBe('localhost:5000/app:latest');
  });

  const bad: Array<[string, RegExp]> = [
    ['', /empty/],
    ['user/App', /must be lowercase/],
    ['host:5000/App', /must be lowercase/],
    ['https://host/app', /remove the URL scheme/],
    ['a'.repeat(64).replace(/a/g, 'f'), /image ID/],
    ['app:', /invalid image reference/],
    ['app:-tag', /invalid image reference/],
    [`app:${'t'.repeat(129)}`, /invalid image reference/],
    ['app@sha256:abc', /bad digest/],
    [`app@md5:${'a'.repeat(32)}`, /only sha256/],
    ['app@@x', /more than one "@"/],
    ['-app', /invalid image reference/],
    ['app/', /invalid image reference/],
    ['a//b', /invalid image reference/],
    ['host:port/app', /invalid image reference/],
    [`${'a'.repeat(256)}`, /longer than 255/],
    ['127.0.0.1:99999/app:v1', /registry port 99999 is out of range \(1-65535\)/],
    ['localhost:0/app', /registry port 0 is out of range/],
  ];
  for (const [input, message] of bad) {
    it(`rejects "${input.slice(0, 40)}"`, () => {
      expect(() => parseReference(input)).toThrow(message);
    });
  }
});

describe('parseRegistryHost (--registry, REGISTRY, config files)', () => {
  it.each(['127.0.0.1:5000', 'localhost', 'localhost:65535', 'registry.example.com', '[::1]:5000', '123456789012.dkr.ecr.us-east-1.amazonaws.com'])('accepts %s', (host) => {
    expect(parseRegistryHost(host)).toBe(host);
    expect(isRegistryHost(host)).toBe(true);
  });

  it.each([
    ['127.0.0.1:99999', /^invalid registry "127.0.0.1:99999": registry port 99999 is out of range \(1-65535\)$/],
    ['127.0.0.1:0', /port 0 is out of range/],
    ['127.0.0.1:65536', /port 65536 is out of range/],
    ['http://127.0.0.1:5000', /without a URL scheme/],
    ['127.0.0.1:5000/app', /without a path/],
    ['host:port', /bad registry host/],
    ['', /empty/],
  ])('rejects %j with one line', (host, message) => {
    expect(() => parseRegistryHost(host)).toThrow(message);
    expect(() => parseRegistryHost(host)).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    expect(isRegistryHost(host)).toBe(false);
  });

  it('names the flag it checks', () => {
    expect(() => parseRegistryHost('127.0.0.1:99999', '--registry')).toThrow(/^invalid --registry "127.0.0.1:99999"/);
  });
});
