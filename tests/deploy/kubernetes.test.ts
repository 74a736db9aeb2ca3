// deploy/k8s/ cannot be applied here (no cluster), so it is checked offline: every object
// against the Kubernetes OpenAPI schema (kubernetes-models) or KEDA's CRD schema
// (@kubernetes-models/keda, generated from github.com/kedacore/keda/v2/apis), against their
// TypeScript types for misspelt fields, which the schemas let through, then against our
// own contract: the config schema, the catalog's queues, the Dockerfile, and what the KEDA
// trigger reads, shown on a real Redis and a real JobService.
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { configVariables, loadConfig } from '../../src/config.js';
import { LOCAL_CALLER } from '../../src/jobs/caller.js';
import { QUEUE_NAMES } from '../../tools/index.js';
import { startHarness, REPO, type Harness } from '../support/harness.js';
import { imagePinProblem, splitImageReference } from '../support/image-references.js';

const K8S = path.join(REPO, 'deploy', 'k8s');

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; [field: string]: unknown };
type Container = { name: string; image: string; args?: string[]; command?: string[]; envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[]; resources?: { requests?: { cpu?: string } }; livenessProbe?: { exec?: { command: string[] } } };
type PodSpec = { containers: Container[]; terminationGracePeriodSeconds?: number; volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[] };
type Deployment = Manifest & { spec: { template: { spec: PodSpec } } };
type Trigger = { type: string; name?: string; metadata: Record<string, string>; authenticationRef?: { name: string } };
type ScaledObject = Manifest & { spec: { scaleTargetRef: { name: string }; minReplicaCount?: number; advanced?: { scalingModifiers?: { formula: string } }; triggers: Trigger[] } };

let manifests: Manifest[];
let kustomizeResources: string[];

const ofKind = <T extends Manifest>(kind: string) => manifests.filter((m) => m.kind === kind) as T[];
const named = <T extends Manifest>(kind: string, name: string): T => {
  const found = ofKind<T>(kind).find((m) => m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in deploy/k8s/`);
  return found;
};

// The model class that validates an object: core and apps from kubernetes-models, keda.sh from
// @kubernetes-models/keda (both ship ajv validators compiled from the schemas, no network).
async function validatorOf(apiVersion: string, kind: string): Promise<new (data: unknown) => { validate(): void }> {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const module = group === 'keda.sh'
    ? await import(/* @vite-ignore */ `@kubernetes-models/keda/keda.sh/${version}/${kind}`)
    : await import(/* @vite-ignore */ `kubernetes-models/${group === '' ? '' : `${group}/`}${version}/${kind}`);
  return module[kind];
}

// The environment a pod gets from its envFrom ConfigMaps and Secrets.
function podEnvironment(container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, (named<Manifest & { data: Record<string, string> }>('ConfigMap', source.configMapRef.name)).data);
    if (source.secretRef) Object.assign(env, (named<Manifest & { stringData: Record<string, string> }>('Secret', source.secretRef.name)).stringData);
  }
  return env;
}

// The subset of GJSON that KEDA's metrics-api valueLocation uses here: list.#(key=="value").a.b
function readValueLocation(document: unknown, location: string): unknown {
  const m = /^(\w+)\.#\((\w+)=="([^"]+)"\)\.([\w.]+)$/.exec(location);
  if (!m) throw new Error(`valueLocation outside the supported subset: ${location}`);
  const [, list, key, value, rest] = m as unknown as [string, string, string, string, string];
  const item = ((document as Record<string, Record<string, unknown>[]>)[list] ?? []).find((entry) => entry[key] === value);
  return rest.split('.').reduce<unknown>((at, field) => (at as Record<string, unknown> | undefined)?.[field], item);
}

const workerDeployment = (queue: string) => named<Deployment>('Deployment', `bio-mcp-queue-worker-${queue}`);
const scaledObject = (queue: string) => named<ScaledObject>('ScaledObject', `bio-mcp-queue-worker-${queue}`);
const ourContainers = () => ofKind<Deployment>('Deployment').flatMap((d) => d.spec.template.spec.containers).filter((c) => c.image.includes('/bio-mcp-queue:'));

beforeAll(async () => {
  const kustomization = parseAllDocuments(await fs.readFile(path.join(K8S, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as { resources: string[] };
  kustomizeResources = kustomization.resources;
  manifests = [];
  for (const file of kustomizeResources) {
    for (const doc of parseAllDocuments(await fs.readFile(path.join(K8S, file), 'utf8'))) {
      expect(doc.errors, file).toEqual([]);
      manifests.push(doc.toJS() as Manifest);
    }
  }
});

describe('deploy/k8s', () => {
  it('lists every manifest of the folder in kustomization.yaml', async () => {
    const files = (await fs.readdir(K8S)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
    expect([...kustomizeResources].sort()).toEqual(files);
  });

  it('holds only objects that pass the Kubernetes and KEDA schemas', async () => {
    expect(manifests.length).toBeGreaterThan(10);
    for (const manifest of manifests) {
      const Model = await validatorOf(manifest.apiVersion, manifest.kind);
      expect(() => new Model(manifest).validate(), `${manifest.kind} ${manifest.metadata.name}`).not.toThrow();
    }
  });

  it('has no field the Kubernetes and KEDA API types lack (the schemas let unknown fields pass)', async () => {
    // Each object as a typed TypeScript literal: tsc's excess-property check names a misspelt
    // field as kubectl --validate=strict would. One known typo shows the check is live.
    const typeModule = (m: Manifest) => m.apiVersion.startsWith('keda.sh/')
      ? `@kubernetes-models/keda/keda.sh/v1alpha1/${m.kind}`
      : `kubernetes-models/${m.apiVersion}/${m.kind}`;
    const typo = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'typo' }, spec: { selector: {}, template: {}, replica: 1 } } as Manifest;
    const lines = [...manifests, typo].flatMap((m, i) => [
      `import type { I${m.kind} as T${i} } from '${typeModule(m)}';`,
      `export const m${i}: T${i} = ${JSON.stringify(m)};`,
    ]);
    // Inside node_modules, so the type packages resolve from it.
    const dir = await fs.mkdtemp(path.join(REPO, 'node_modules', '.cache-k8s-types-'));
    try {
      const file = path.join(dir, 'manifests.ts');
      await fs.writeFile(file, `${lines.join('\n')}\n`);
      const tsc = path.join(REPO, 'node_modules', '.bin', 'tsc');
      const { stdout } = await execa(tsc, ['--ignoreConfig', '--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', file], { reject: false });
      const errors = stdout.split('\n').filter((l) => l.includes('error TS'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(new RegExp(`manifests\\.ts\\(${2 * manifests.length + 2},.*'"replica"' does not exist`));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('the schema check catches a broken object (it is not a no-op)', async () => {
    const worker = structuredClone(workerDeployment('blast')) as unknown as { spec: Record<string, unknown> };
    worker.spec.replicas = 'two';
    const Deployment = await validatorOf('apps/v1', 'Deployment');
    expect(() => new Deployment(worker).validate()).toThrow(/replicas must be integer/);
    const ScaledObjectModel = await validatorOf('keda.sh/v1alpha1', 'ScaledObject');
    const { triggers: _, ...spec } = scaledObject('blast').spec;
    expect(() => new ScaledObjectModel({ ...scaledObject('blast'), spec }).validate()).toThrow(/triggers/);
  });

  it('pins every image to an exact release, none from the withdrawn minio/* names', async () => {
    const pkg = JSON.parse(await fs.readFile(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    const pods = [...ofKind<Deployment>('Deployment'), ...ofKind<Deployment>('Job')].flatMap((d) => d.spec.template.spec.containers);
    for (const { image } of pods) expect(imagePinProblem(image)).toBeUndefined();
    for (const { image } of ourContainers()) expect(splitImageReference(image).tag).toBe(pkg.version);
  });

  it('has the server Deployment and Service, Redis and MinIO with their Services, and the bucket Job', () => {
    for (const name of ['bio-mcp-queue-server', 'bio-mcp-queue-redis', 'bio-mcp-queue-minio']) {
      named('Deployment', name);
      named('Service', name);
    }
    const server = named<Deployment>('Deployment', 'bio-mcp-queue-server').spec.template.spec.containers[0]!;
    expect(server.args).toEqual(['serve', '--host', '0.0.0.0', '--port', '8000']);
    const bucketJob = named<Deployment>('Job', 'bio-mcp-queue-minio-bucket').spec.template.spec.containers[0]!;
    expect(bucketJob.args!.join(' ')).toContain('mc mb --ignore-existing lab/$(BIO_STORAGE_BUCKET_NAME)');
  });

  it('gives the server and workers an environment src/config.ts accepts, S3 storage and no embedded worker', () => {
    for (const container of ourContainers()) {
      const env = podEnvironment(container);
      for (const variable of Object.keys(env)) expect(Object.keys(configVariables), variable).toContain(variable);
      const config = loadConfig(env);
      expect(config.embeddedWorker).toBe(false);
      expect(config.storage.backend).toBe('s3');
      named('Service', new URL(config.storage.s3.endpoint!).hostname);
      named('Service', new URL(env.BIO_QUEUE_REDIS_URL!).hostname);
    }
  });

  it('runs one worker Deployment per queue family of the catalog, each with a ScaledObject', () => {
    const workers = ofKind<Deployment>('Deployment').filter((d) => d.metadata.name.startsWith('bio-mcp-queue-worker-'));
    expect(workers.map((d) => d.metadata.name.replace('bio-mcp-queue-worker-', '')).sort()).toEqual([...QUEUE_NAMES].sort());
    for (const queue of QUEUE_NAMES) {
      expect(workerDeployment(queue).spec.template.spec.containers[0]!.args).toEqual(['worker', '--queues', queue]);
      expect(scaledObject(queue).spec.scaleTargetRef.name).toBe(workerDeployment(queue).metadata.name);
    }
  });

  it('lets workers drain, sizes tool threads to their CPU request, and checks their health with the image\'s script', async () => {
    const dockerfile = await fs.readFile(path.join(REPO, 'Dockerfile'), 'utf8');
    const installed = /^COPY scripts\/worker-healthcheck\.sh \/usr\/local\/bin\/(\S+)$/m.exec(dockerfile)?.[1];
    expect(installed).toBeDefined();
    for (const queue of QUEUE_NAMES) {
      const pod = workerDeployment(queue).spec.template.spec;
      const container = pod.containers[0]!;
      const config = loadConfig(podEnvironment(container));
      expect(pod.terminationGracePeriodSeconds!).toBeGreaterThan(config.drainTimeoutMs / 1000);
      expect(String(config.toolThreads)).toBe(container.resources?.requests?.cpu);
      expect(container.livenessProbe?.exec?.command).toEqual([installed]);
      const claim = pod.volumes?.find((v) => v.persistentVolumeClaim)?.persistentVolumeClaim?.claimName;
      expect((named<Manifest & { spec: { accessModes: string[] } }>('PersistentVolumeClaim', claim!)).spec.accessModes).toContain('ReadWriteMany');
    }
  });

  it('scales each queue on its queued + running count, read from the server Service, whose name the server answers to', () => {
    const server = named<Manifest & { spec: { ports: { port: number }[] } }>('Service', 'bio-mcp-queue-server');
    const serverEnv = podEnvironment(named<Deployment>('Deployment', 'bio-mcp-queue-server').spec.template.spec.containers[0]!);
    const allowedHosts = loadConfig(serverEnv).http.allowedHosts ?? [];
    for (const queue of QUEUE_NAMES) {
      const so = scaledObject(queue).spec;
      expect(so.advanced?.scalingModifiers?.formula).toBe('queued + running');
      expect(so.triggers.map((t) => t.name).sort()).toEqual(['queued', 'running']);
      for (const trigger of so.triggers) {
        expect(trigger.type).toBe('metrics-api');
        const url = new URL(trigger.metadata.url!);
        expect(url.pathname).toBe('/queues/stats');
        expect(url.hostname).toBe(server.metadata.name);
        expect(Number(url.port)).toBe(server.spec.ports[0]!.port);
        expect(allowedHosts).toContain(url.hostname);
        expect(trigger.metadata.valueLocation).toBe(`queues.#(queue=="${queue}").counts.${trigger.name}`);
        const auth = named<Manifest & { spec: { secretTargetRef: { parameter: string; name: string; key: string }[] } }>('TriggerAuthentication', trigger.authenticationRef!.name);
        const ref = auth.spec.secretTargetRef.find((r) => r.parameter === 'token')!;
        expect(trigger.metadata.authMode).toBe('bearer');
        expect((named<Manifest & { stringData: Record<string, string> }>('Secret', ref.name)).stringData[ref.key]).toBeDefined();
      }
    }
  });
});

describe('what the KEDA trigger reads, on a real Redis', () => {
  let h: Harness;
  let redis: Redis;
  beforeAll(async () => {
    h = await startHarness({ embeddedWorker: false });
    redis = new Redis(h.env.BIO_QUEUE_REDIS_URL!);
  });
  afterAll(async () => {
    redis?.disconnect();
    await h?.close();
  });

  it('finds our queued jobs in /queues/stats, not in the BullMQ wait list KEDA\'s redis trigger counts', async () => {
    const query = '>q1\nACGTACGTACGTACGTACGTACGTACGTAGCTAGCTAGCTAGCATCGATCGATCGA\n';
    await h.runtime.jobs.submit('blastn', { query, database: 'nt' }, { priority: 5, caller: LOCAL_CALLER });
    const prefix = h.config.prefix;
    // Every job has a priority, so BullMQ keeps it in the sorted set, and LLEN of wait stays 0.
    expect(await redis.llen(`${prefix}:blast:wait`)).toBe(0);
    expect(await redis.zcard(`${prefix}:blast:prioritized`)).toBe(1);
    // The body GET /queues/stats answers with, read at the ScaledObject's valueLocation.
    const stats = { queues: await h.runtime.jobs.stats() };
    for (const trigger of scaledObject('blast').spec.triggers) {
      expect(readValueLocation(stats, trigger.metadata.valueLocation!), trigger.name).toBe(trigger.name === 'queued' ? 1 : 0);
    }
  });
});
