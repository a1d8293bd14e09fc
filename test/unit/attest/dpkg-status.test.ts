import { describe, expect, it } from 'vitest';
import { parseDpkgStatus, parseOsRelease } from '../../../src/attest/dpkg-status.js';

const STATUS = `Package: libc6
Status: install ok installed
Priority: optional
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.41-12
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system.
Homepage: https://www.gnu.org/software/libc/libc.html

Package: removed-pkg
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0

Package: half
Status: install reinstreq half-installed
Architecture: amd64
Version: 2.0

Package: libgcc-s1
Status: install ok installed
Architecture: amd64
Source: gcc-14 (14.2.0-19)
Version: 14.2.0-19+b1

Package: adduser
Status: install ok installed
Architecture: all
Version: 3.152
Source: adduser

Package: libc6
Status: install ok installed
Architecture: i386
Source: glibc
Version: 1:2.41-12
`;

describe('parseDpkgStatus', () => {
  const packages = parseDpkgStatus(STATUS);

  it('keeps only fully installed packages, sorted by name then architecture', () => {
    expect(packages.map((p) => `${p.name}:${p.architecture}=${p.version}`)).toEqual(['adduser:all=3.152', 'libc6:amd64=2.41-12', 'libc6:i386=1:2.41-12', 'libgcc-s1:amd64=14.2.0-19+b1']);
  });

  it('records the source package and its version only where they differ from the binary', () => {
    const [adduser, libc, , libgcc] = packages;
    expect(adduser?.sourceName).toBeUndefined();
    expect(libc).toMatchObject({ sourceName: 'glibc', summary: 'GNU C Library: Shared libraries', homepage: 'https://www.gnu.org/software/libc/libc.html' });
    expect(libc?.sourceVersion).toBeUndefined();
    expect(libgcc).toMatchObject({ sourceName: 'gcc-14', sourceVersion: '14.2.0-19' });
  });

  it('an empty or missing database has no packages', () => {
    expect(parseDpkgStatus('')).toEqual([]);
  });
});

describe('parseOsRelease', () => {
  it('reads ID, VERSION_ID and codename, quoted or not', () => {
    expect(parseOsRelease('PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nID=debian\nVERSION_ID="13"\nVERSION_CODENAME=trixie\n')).toEqual({ id: 'debian', versionId: '13', codename: 'trixie' });
    expect(parseOsRelease('ID=debian\nVERSION_CODENAME=forky\n')).toEqual({ id: 'debian', codename: 'forky' });
  });
});
