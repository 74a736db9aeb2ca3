// What an image reference in docker-compose.yml or deploy/k8s/ must look like to start the same
// thing on every host, next month too: an exact version tag or a digest, never a floating tag,
// and never an image from the Docker Hub names MinIO withdrew (minio/minio, minio/mc, 2026).

/** Repository, tag and digest of "registry/name:tag@sha256:…" (registry and tag optional). */
export function splitImageReference(reference: string): { repository: string; tag?: string; digest?: string } {
  const [nameAndTag, digest] = reference.split('@') as [string, string | undefined];
  const lastSlash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.indexOf(':', lastSlash + 1);
  const repository = colon === -1 ? nameAndTag : nameAndTag.slice(0, colon);
  const tag = colon === -1 ? undefined : nameAndTag.slice(colon + 1);
  return { repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

// A tag names one release: three-part versions ("7.4.2-alpine", "0.1.0") or MinIO's dated
// release names ("RELEASE.2025-09-07T16-13-09Z"); "7", "latest" or "7-alpine" move.
const EXACT_TAG = /^v?\d+\.\d+\.\d+(?:[-.][A-Za-z0-9.-]+)?$|^RELEASE\.\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z(?:-[a-z0-9]+)?$/;

/** Why this reference does not pin an image that exists, or undefined when it does. */
export function imagePinProblem(reference: string): string | undefined {
  const { repository, tag, digest } = splitImageReference(reference);
  if (/^(?:(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\/)?minio\//.test(repository)) {
    return `${reference}: Docker Hub's minio/* images are withdrawn; use quay.io/minio/…`;
  }
  if (digest !== undefined) return /^sha256:[a-f0-9]{64}$/.test(digest) ? undefined : `${reference}: malformed digest`;
  if (tag === undefined) return `${reference}: no tag (means :latest)`;
  return EXACT_TAG.test(tag) ? undefined : `${reference}: tag "${tag}" is not an exact release`;
}
