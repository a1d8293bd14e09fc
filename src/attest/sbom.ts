import { Enums, Models, Serialize, Spec, Contrib } from '@cyclonedx/cyclonedx-library';
import { PackageURL } from 'packageurl-js';
import parseSpdxExpression from 'spdx-expression-parse';
import type { DebianPackage } from './dpkg-status.js';
import type { ImageContents } from './image-contents.js';
import type { NpmPackage } from './npm-packages.js';

/** The image an SBOM describes. */
export interface SbomSubject {
  /** Image name without tag (`127.0.0.1:5000/app`, or a local repository name). */
  readonly name: string;
  /** Local image ID (config digest) the packages were read from. */
  readonly imageId: string;
  /** The pushed manifest digest, when known (the attestation's subject). */
  readonly manifestDigest?: string;
  readonly platform: { readonly os: string; readonly architecture: string; readonly variant?: string };
  /** Product version label (`org.opencontainers.image.version`), when known. */
  readonly version?: string;
}

export interface BuildSbomInput {
  readonly subject: SbomSubject;
  readonly contents: Pick<ImageContents, 'debian' | 'npm' | 'os'>;
  /** BOM timestamp: pass the build's end time so two runs over one image agree. */
  readonly timestamp: Date;
  /** The generating tool, recorded in metadata.tools. */
  readonly tool: { readonly name: string; readonly version: string };
}

/** Package counts of an SBOM, for reports. */
export interface SbomSummary {
  readonly debian: number;
  readonly npm: number;
}

const licenseFactory = new Contrib.License.Factories.LicenseFactory((value: string) => {
  parseSpdxExpression(value);
});

// purl qualifier distro=debian-13, as Debian-aware scanners expect to match advisories
function distroQualifier(os: BuildSbomInput['contents']['os']): string | undefined {
  return os.id && os.versionId ? `${os.id}-${os.versionId}` : undefined;
}

function debianComponent(pkg: DebianPackage, distro: string | undefined): Models.Component {
  const qualifiers: Record<string, string> = { arch: pkg.architecture };
  if (distro) qualifiers['distro'] = distro;
  if (pkg.sourceName) qualifiers['upstream'] = pkg.sourceVersion ? `${pkg.sourceName}@${pkg.sourceVersion}` : pkg.sourceName;
  const purl = new PackageURL('deb', 'debian', pkg.name, pkg.version, qualifiers).toString();
  const component = new Models.Component(Enums.ComponentType.Library, pkg.name, {
    bomRef: purl,
    version: pkg.version,
    purl,
    ...(pkg.summary ? { description: pkg.summary } : {}),
    ...(pkg.maintainer ? { publisher: pkg.maintainer } : {}),
  });
  if (pkg.homepage) component.externalReferences.add(new Models.ExternalReference(pkg.homepage, Enums.ExternalReferenceType.Website));
  component.properties.add(new Models.Property('multiarch:package:type', 'deb'));
  component.properties.add(new Models.Property('multiarch:deb:architecture', pkg.architecture));
  if (pkg.sourceName) component.properties.add(new Models.Property('multiarch:deb:source', pkg.sourceName));
  return component;
}

function npmComponent(pkg: NpmPackage): Models.Component {
  const at = pkg.name.startsWith('@') ? pkg.name.indexOf('/') : -1;
  const namespace = at > 0 ? pkg.name.slice(0, at) : undefined;
  const name = at > 0 ? pkg.name.slice(at + 1) : pkg.name;
  const purl = new PackageURL('npm', namespace, name, pkg.version).toString();
  const component = new Models.Component(Enums.ComponentType.Library, name, {
    // one package can be installed at two paths; the path keeps the refs unique
    bomRef: `${purl}#${pkg.path}`,
    version: pkg.version,
    purl,
    ...(namespace ? { group: namespace } : {}),
    ...(pkg.summary ? { description: pkg.summary } : {}),
  });
  if (pkg.license) component.licenses.add(licenseFactory.makeFromString(pkg.license));
  if (pkg.homepage) component.externalReferences.add(new Models.ExternalReference(pkg.homepage, Enums.ExternalReferenceType.Website));
  component.properties.add(new Models.Property('multiarch:package:type', 'npm'));
  component.properties.add(new Models.Property('cdx:npm:package:path', pkg.path));
  return component;
}

/**
 * A CycloneDX 1.6 SBOM of one per-arch image, built with the CycloneDX JS library: one
 * component per installed Debian package (purl `pkg:deb/debian/…?arch=…&distro=…`) and per
 * npm package (purl `pkg:npm/…`, licence from its package.json). Debian licences are left
 * out when the image carries no copyright files (the product image strips /usr/share/doc):
 * a licence is recorded only where the image says it. Lists are sorted, so the same input
 * gives byte-identical output.
 */
export function buildSbom(input: BuildSbomInput): Record<string, unknown> {
  const { subject } = input;
  const platform = [subject.platform.os, subject.platform.architecture, subject.platform.variant].filter(Boolean).join('/');
  const root = new Models.Component(Enums.ComponentType.Container, subject.name, {
    bomRef: subject.manifestDigest ?? subject.imageId,
    ...(subject.version ? { version: subject.version } : {}),
  });
  root.properties.add(new Models.Property('multiarch:image:id', subject.imageId));
  if (subject.manifestDigest) root.properties.add(new Models.Property('multiarch:image:digest', subject.manifestDigest));
  root.properties.add(new Models.Property('multiarch:image:platform', platform));
  const tools = new Models.Tools();
  tools.components.add(new Models.Component(Enums.ComponentType.Application, input.tool.name, { version: input.tool.version }));
  const bom = new Models.Bom({
    metadata: new Models.Metadata({ timestamp: input.timestamp, component: root, tools }),
  });
  const distro = distroQualifier(input.contents.os);
  for (const pkg of input.contents.debian) bom.components.add(debianComponent(pkg, distro));
  for (const pkg of input.contents.npm) bom.components.add(npmComponent(pkg));
  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));
  return JSON.parse(serializer.serialize(bom, { sortLists: true })) as Record<string, unknown>;
}

/** Counts the Debian and npm components of an SBOM made by {@link buildSbom}. */
export function summarizeSbom(sbom: unknown): SbomSummary {
  const components = (sbom as { components?: Array<{ purl?: unknown }> } | undefined)?.components ?? [];
  const purls = components.map((c) => (typeof c.purl === 'string' ? c.purl : ''));
  return { debian: purls.filter((p) => p.startsWith('pkg:deb/')).length, npm: purls.filter((p) => p.startsWith('pkg:npm/')).length };
}
