import { BadInputError } from '../errors.js';
import { parseDigest, type Digest } from './digest.js';

/**
 * A fully normalised image reference, the way Docker resolves one: `ubuntu` is
 * `docker.io/library/ubuntu:latest`; `localhost:5000/app@sha256:…` keeps the port and has
 * no tag. When both tag and digest are present the digest is what gets fetched.
 */
export interface ImageReference {
  /** Registry host as written, with port (`docker.io` for Docker Hub). */
  readonly registry: string;
  /** Repository path without the registry (`library/ubuntu`). */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: Digest;
}

export const DEFAULT_REGISTRY = 'docker.io';
const LEGACY_DEFAULT_REGISTRY = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';

// The grammar of github.com/distribution/reference (regexp.go), kept in the same pieces.
const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])`;
const DOMAIN = `${HOST}(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE_RE = new RegExp(`^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const DOMAIN_RE = new RegExp(`^${DOMAIN}$`);
const NAME_MAX = 255;

function invalid(input: string, why: string): BadInputError {
  return new BadInputError(`invalid image reference "${input}": ${why}`);
}

/** Docker's splitDockerDomain: the first component is a registry only if it looks like a host. */
function splitRegistry(name: string): { registry: string; repository: string } {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  let registry: string;
  let repository: string;
  if (slash === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    registry = DEFAULT_REGISTRY;
    repository = name;
  } else {
    registry = first;
    repository = name.slice(slash + 1);
  }
  if (registry === LEGACY_DEFAULT_REGISTRY) registry = DEFAULT_REGISTRY;
  if (registry === DEFAULT_REGISTRY && !repository.includes('/')) repository = OFFICIAL_PREFIX + repository;
  return { registry, repository };
}

export interface ParseReferenceOptions {
  /** Tag to use when the reference has neither tag nor digest (default `latest`; `null` for none). */
  readonly defaultTag?: string | null;
}

/** Parses and normalises a reference; throws BadInputError with a one-line reason. */
export function parseReference(input: string, options: ParseReferenceOptions = {}): ImageReference {
  const value = input.trim();
  if (!value) throw new BadInputError('invalid image reference: empty');
  if (/^[a-z]+:\/\//i.test(value)) throw invalid(input, 'remove the URL scheme (references look like host[:port]/repo[:tag][@digest])');
  if (/^[a-f0-9]{64}$/.test(value)) throw invalid(input, 'a 64-character hex string is an image ID, not a repository name');
  const atParts = value.split('@');
  if (atParts.length > 2) throw invalid(input, 'more than one "@"');
  const { registry: maybeRegistry, repository: rest } = splitRegistry(atParts[0] ?? '');
  const colon = rest.indexOf(':');
  const remoteName = colon === -1 ? rest : rest.slice(0, colon);
  if (remoteName !== remoteName.toLowerCase()) throw invalid(input, 'repository name must be lowercase');
  const match = REFERENCE_RE.exec(`${maybeRegistry}/${rest}${atParts.length === 2 ? `@${atParts[1]}` : ''}`);
  if (!match) {
    if (atParts[1] !== undefined && !new RegExp(`^${DIGEST}$`).test(atParts[1])) throw invalid(input, `bad digest "${atParts[1]}"`);
    throw invalid(input, 'expected [host[:port]/]repo[/path][:tag][@sha256:digest] with a lowercase repository');
  }
  const name = match[1] ?? '';
  if (name.length > NAME_MAX) throw invalid(input, `repository name longer than ${NAME_MAX} characters`);
  const slash = name.indexOf('/');
  const registry = name.slice(0, slash);
  const repository = name.slice(slash + 1);
  const hostProblem = registryHostProblem(registry);
  if (hostProblem) throw invalid(input, hostProblem);
  const tag = match[2];
  const digest = match[3] === undefined ? undefined : parseDigest(match[3], `digest in "${input}"`);
  const defaultTag = options.defaultTag === undefined ? DEFAULT_TAG : options.defaultTag;
  const reference: { -readonly [K in keyof ImageReference]: ImageReference[K] } = { registry, repository };
  if (tag !== undefined) reference.tag = tag;
  else if (digest === undefined && defaultTag !== null) reference.tag = defaultTag;
  if (digest !== undefined) reference.digest = digest;
  return reference;
}

/** Why a `host[:port]` is not a usable registry host, or undefined when it is. */
function registryHostProblem(host: string): string | undefined {
  if (!DOMAIN_RE.test(host)) return `bad registry host "${host}" (expected host[:port])`;
  // The grammar allows any digits after the colon; a URL (and so every request) does not.
  const port = /:(\d+)$/.exec(host)?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return `registry port ${port} is out of range (1-65535)`;
  return undefined;
}

/**
 * Validates a registry host on its own (`--registry`, `REGISTRY`, config files):
 * `host[:port]` as in references, port 1-65535, no scheme or path. Returns it unchanged;
 * throws BadInputError with a one-line reason.
 */
export function parseRegistryHost(host: string, what = 'registry'): string {
  const value = host.trim();
  if (!value) throw new BadInputError(`invalid ${what}: empty`);
  if (/^[a-z]+:\/\//i.test(value)) throw new BadInputError(`invalid ${what} "${host}": give host[:port] without a URL scheme`);
  if (value.includes('/')) throw new BadInputError(`invalid ${what} "${host}": give host[:port] without a path`);
  const problem = registryHostProblem(value);
  if (problem) throw new BadInputError(`invalid ${what} "${host}": ${problem}`);
  return value;
}

/** True when `host` is a usable `host[:port]` (for schema refinements that report their own message). */
export function isRegistryHost(host: string): boolean {
  return !host.includes('/') && registryHostProblem(host) === undefined;
}

/** Validates a tag on its own (e.g. from `--tag`). */
export function parseTag(tag: string): string {
  if (!new RegExp(`^${TAG}$`).test(tag)) throw new BadInputError(`invalid tag "${tag}": up to 128 of [A-Za-z0-9_.-], not starting with . or -`);
  return tag;
}

/** Fully-qualified string form: `registry/repository[:tag][@digest]`. */
export function formatReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** Docker's familiar form (`ubuntu:latest` rather than `docker.io/library/ubuntu:latest`). */
export function familiarReference(ref: ImageReference): string {
  let name = `${ref.registry}/${ref.repository}`;
  if (ref.registry === DEFAULT_REGISTRY) {
    name = ref.repository.startsWith(OFFICIAL_PREFIX) && ref.repository.split('/').length === 2 ? ref.repository.slice(OFFICIAL_PREFIX.length) : ref.repository;
  }
  return `${name}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** What to put in a `/v2/<name>/manifests/<ref>` URL: the digest when known, else the tag. */
export function manifestReference(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}

export function withTag(ref: ImageReference, tag: string): ImageReference {
  return { registry: ref.registry, repository: ref.repository, tag: parseTag(tag) };
}

export function withDigest(ref: ImageReference, digest: Digest): ImageReference {
  return { registry: ref.registry, repository: ref.repository, digest };
}
