/** One npm package installed in the image. */
export interface NpmPackage {
  readonly name: string;
  readonly version: string;
  /** The `license` of its package.json (SPDX expression or free text), when it has one. */
  readonly license?: string;
  /** Directory in the image (`/usr/local/lib/node_modules/puppeteer-core`). */
  readonly path: string;
  readonly homepage?: string;
  readonly summary?: string;
}

// Only directories npm installs into are packages; package.json files elsewhere
// (dist/esm/package.json holding just {"type":"module"}) are not.
const PACKAGE_DIR_RE = /(?:^|\/)node_modules\/(?:@[^/]+\/)?[^/@][^/]*$/;

/** True when `dir` (the directory holding a package.json) is where npm installs a package. */
export function isPackageDirectory(dir: string): boolean {
  return PACKAGE_DIR_RE.test(dir);
}

function licenseOf(manifest: Record<string, unknown>): string | undefined {
  const value = manifest['license'];
  if (typeof value === 'string' && value.trim()) return value.trim();
  // the deprecated forms: {"type": "MIT"} and "licenses": [{"type": …}, …]
  if (value && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string') return (value as { type: string }).type;
  const list = manifest['licenses'];
  if (Array.isArray(list)) {
    const types = list.map((l: unknown) => (l && typeof l === 'object' ? (l as { type?: unknown }).type : l)).filter((t): t is string => typeof t === 'string' && t.trim() !== '');
    if (types.length === 1) return types[0];
    if (types.length > 1) return `(${types.join(' OR ')})`;
  }
  return undefined;
}

/**
 * The package described by one package.json found at `dir` in the image, or undefined when
 * the file names no package (no name or version: a nested marker file, not an install).
 */
export function npmPackageFromManifest(dir: string, manifest: unknown): NpmPackage | undefined {
  if (!manifest || typeof manifest !== 'object') return undefined;
  const fields = manifest as Record<string, unknown>;
  const name = fields['name'];
  const version = fields['version'];
  if (typeof name !== 'string' || !name || typeof version !== 'string' || !version) return undefined;
  const license = licenseOf(fields);
  const homepage = typeof fields['homepage'] === 'string' ? fields['homepage'] : undefined;
  const summary = typeof fields['description'] === 'string' && fields['description'] ? fields['description'] : undefined;
  return { name, version, path: dir, ...(license ? { license } : {}), ...(homepage ? { homepage } : {}), ...(summary ? { summary } : {}) };
}
