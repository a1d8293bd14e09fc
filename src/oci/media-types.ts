/**
 * Media types of the OCI image-spec and of Docker's schema 2, the only two manifest
 * families this project reads or writes. Docker schema 1 (signed JWS) is refused: registries
 * stopped serving it and it carries no platform information we could trust.
 */
export const MediaTypes = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerTar: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
} as const;

export type IndexMediaType = typeof MediaTypes.ociIndex | typeof MediaTypes.dockerManifestList;
export type ImageManifestMediaType = typeof MediaTypes.ociManifest | typeof MediaTypes.dockerManifest;

/**
 * The `Accept` header for manifest requests. Without the index types a registry may answer
 * a multi-arch tag with one platform's manifest (or a schema 1 conversion), so all four are
 * always listed.
 */
export const MANIFEST_ACCEPT: readonly string[] = [
  MediaTypes.ociIndex,
  MediaTypes.dockerManifestList,
  MediaTypes.ociManifest,
  MediaTypes.dockerManifest,
];

export function isIndexMediaType(mediaType: string | undefined): mediaType is IndexMediaType {
  return mediaType === MediaTypes.ociIndex || mediaType === MediaTypes.dockerManifestList;
}

export function isImageManifestMediaType(mediaType: string | undefined): mediaType is ImageManifestMediaType {
  return mediaType === MediaTypes.ociManifest || mediaType === MediaTypes.dockerManifest;
}

/** Config media types of runnable container images (anything else is an artifact). */
export function isImageConfigMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaTypes.ociConfig || mediaType === MediaTypes.dockerConfig;
}

export function isSchema1MediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaTypes.dockerSchema1 || mediaType === MediaTypes.dockerSchema1Signed;
}

/** Strips parameters (`; charset=utf-8`) and case from a Content-Type header value. */
export function bareMediaType(contentType: string | undefined): string | undefined {
  const bare = contentType?.split(';')[0]?.trim().toLowerCase();
  return bare ? bare : undefined;
}
