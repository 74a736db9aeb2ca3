// The rule the compose and Kubernetes tests hold every image to, on references that must pass
// and references that must not (floating tags, no tag, the withdrawn Docker Hub MinIO names).
import { describe, expect, it } from 'vitest';
import { imagePinProblem, splitImageReference } from '../support/image-references.js';

describe('image references', () => {
  it('splits registry/name:tag@digest, a registry port not taken for a tag', () => {
    expect(splitImageReference('registry.lab.org:5000/bio/bio-mcp-queue:0.1.0')).toEqual({ repository: 'registry.lab.org:5000/bio/bio-mcp-queue', tag: '0.1.0' });
    expect(splitImageReference(`redis@sha256:${'a'.repeat(64)}`)).toEqual({ repository: 'redis', digest: `sha256:${'a'.repeat(64)}` });
  });

  it('accepts exact releases and digests', () => {
    for (const ok of ['redis:7.4.2-alpine', 'quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z', 'quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z-cpuv1', 'valkey/valkey:8.1.4', `redis@sha256:${'0'.repeat(64)}`]) {
      expect(imagePinProblem(ok), ok).toBeUndefined();
    }
  });

  it('refuses floating tags, a missing tag and the withdrawn minio/* names, saying why', () => {
    expect(imagePinProblem('redis:7')).toMatch(/tag "7" is not an exact release/);
    expect(imagePinProblem('redis:7-alpine')).toMatch(/not an exact release/);
    expect(imagePinProblem('quay.io/minio/minio:latest')).toMatch(/not an exact release/);
    expect(imagePinProblem('redis')).toMatch(/no tag/);
    expect(imagePinProblem('minio/minio:RELEASE.2025-09-07T16-13-09Z')).toMatch(/withdrawn/);
    expect(imagePinProblem('docker.io/minio/mc:RELEASE.2025-08-13T08-35-41Z')).toMatch(/withdrawn/);
    expect(imagePinProblem('redis@sha256:abc')).toMatch(/malformed digest/);
  });
});
