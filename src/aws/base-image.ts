/**
 * The base image CodeBuild builds from. The Dockerfile's own default (`debian:trixie-slim`)
 * is pulled anonymously from Docker Hub, which rate-limits CodeBuild's shared egress
 * addresses (`toomanyrequests`); ECR Public mirrors the Docker official images without that
 * limit for AWS traffic. The CDK app sets this as every build project's `BASE_IMAGE` (one
 * override: `-c baseImage=…`), and the buildspecs fall back to the same value.
 */
export const DEFAULT_BASE_IMAGE = 'public.ecr.aws/docker/library/debian:trixie-slim';

/** `sha256:` and 64 hex digits: the only digest form the registries we target use. */
export const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;

/**
 * `repo:tag` + digest → `repo:tag@digest`: the tag stays for people reading logs, the digest
 * is what the engine resolves. The same rule the buildspec applies to `BASE_DIGEST`.
 */
export function pinBaseImage(image: string, digest: string): string {
  return `${image.replace(/@sha256:[a-f0-9]{64}$/, '')}@${digest}`;
}
