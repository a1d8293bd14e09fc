/** One installed Debian package, as the image's dpkg database records it. */
export interface DebianPackage {
  readonly name: string;
  /** Full Debian version, epoch included (`1:2.3-4`). */
  readonly version: string;
  /** `amd64`, `arm64`, or `all`. */
  readonly architecture: string;
  /** Source package name, when it differs from the binary's. */
  readonly sourceName?: string;
  /** Source version, when it differs from the binary's (binNMUs). */
  readonly sourceVersion?: string;
  readonly maintainer?: string;
  readonly homepage?: string;
  /** First line of the description. */
  readonly summary?: string;
}

/** Splits a deb822 file into paragraphs of field → value (continuation lines joined with `\n`). */
export function parseDeb822(text: string): Array<Map<string, string>> {
  const paragraphs: Array<Map<string, string>> = [];
  let current = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (current.size > 0) paragraphs.push(current);
      current = new Map();
      last = undefined;
      continue;
    }
    if ((line.startsWith(' ') || line.startsWith('\t')) && last) {
      current.set(last, `${current.get(last) ?? ''}\n${line.slice(1)}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).toLowerCase();
    current.set(last, line.slice(colon + 1).trim());
  }
  if (current.size > 0) paragraphs.push(current);
  return paragraphs;
}

/**
 * The packages of `/var/lib/dpkg/status` that are fully installed (`install ok installed`):
 * removed-but-configured, half-installed and unpacked-only entries are not in the image's
 * runnable software and are left out. Sorted by name then architecture.
 */
export function parseDpkgStatus(text: string): DebianPackage[] {
  const packages: DebianPackage[] = [];
  for (const fields of parseDeb822(text)) {
    const status = fields.get('status')?.split(/\s+/);
    if (status?.[2] !== 'installed') continue;
    const name = fields.get('package');
    const version = fields.get('version');
    const architecture = fields.get('architecture');
    if (!name || !version || !architecture) continue;
    // "Source: name (version)" when the source version differs from the binary's
    const source = /^(\S+)(?:\s+\(([^)]+)\))?$/.exec(fields.get('source') ?? '');
    const sourceName = source?.[1] && source[1] !== name ? source[1] : undefined;
    const sourceVersion = source?.[2] && source[2] !== version ? source[2] : undefined;
    const summary = fields.get('description')?.split('\n')[0]?.trim() || undefined;
    packages.push({
      name,
      version,
      architecture,
      ...(sourceName ? { sourceName } : {}),
      ...(sourceVersion ? { sourceVersion } : {}),
      ...(fields.get('maintainer') ? { maintainer: fields.get('maintainer') } : {}),
      ...(fields.get('homepage') ? { homepage: fields.get('homepage') } : {}),
      ...(summary ? { summary } : {}),
    });
  }
  return packages.sort((a, b) => a.name.localeCompare(b.name) || a.architecture.localeCompare(b.architecture));
}

/** `ID` and `VERSION_ID` of an os-release file (`debian`, `13`), for the purl distro qualifier. */
export function parseOsRelease(text: string): { readonly id?: string; readonly versionId?: string; readonly codename?: string } {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match?.[1]) values.set(match[1], (match[2] ?? '').replace(/^["']|["']$/g, ''));
  }
  return {
    ...(values.get('ID') ? { id: values.get('ID') } : {}),
    ...(values.get('VERSION_ID') ? { versionId: values.get('VERSION_ID') } : {}),
    ...(values.get('VERSION_CODENAME') ? { codename: values.get('VERSION_CODENAME') } : {}),
  };
}
