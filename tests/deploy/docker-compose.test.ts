// No Docker engine (nor the compose plugin) runs on the development machines, so docker-compose.yml
// and the Dockerfile are kept correct here: read as data and checked against the config schema,
// the CLI's own --help, the catalog's queues and the build output.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { configVariables, loadConfig } from '../../src/config.js';
import { catalogBinaries, QUEUE_NAMES } from '../../tools/index.js';
import { compiledImportGraph } from '../support/compiled-imports.js';
import { parseComposeYaml, type YamlValue } from '../support/compose-yaml.js';
import { imagePinProblem } from '../support/image-references.js';
import { REPO } from '../support/harness.js';

type Service = {
  image?: string;
  entrypoint?: string[];
  build?: string;
  command?: string[];
  environment?: Record<string, string | number | boolean> | string[];
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test?: string[]; interval?: string; timeout?: string };
  depends_on?: Record<string, { condition?: string }>;
  stop_grace_period?: string;
  container_name?: string;
};
type Compose = { services: Record<string, Service>; volumes?: Record<string, YamlValue> };

let compose: Compose;
let cliCommands: string[];
let cliHelp: string;
let dotenvExample: Record<string, string>;

// The command words in the Commands section of `bio-mcp-queue --help` ("(none), stdio" gives stdio).
function commandsOf(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1] ?? '';
  return [...section.matchAll(/^ {2}(\S[^ ]*(?:, \S+)*)(?: {2,}|$)/gm)]
    .flatMap((m) => m[1]!.split(', '))
    .filter((word) => /^[a-z]/.test(word));
}

// Compose's own interpolation of ${VAR}, ${VAR:-default}, ${VAR:?message} and $$, with the
// variables of .env.example standing in for the lab's .env. A required variable missing from
// .env.example fails the test, since `docker compose up` would stop on it.
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\$|\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (whole, name: string | undefined, op?: string, arg?: string) => {
    if (whole === '$$') return '$';
    const set = vars[name!];
    if (set !== undefined && set !== '') return set;
    if (op === '?') throw new Error(`\${${name}} is required (${arg}) but .env.example does not set it`);
    return op === '-' ? (arg ?? '') : '';
  });
}

// A service's environment as name → value after interpolation, from either compose form.
function environmentOf(service: Service, vars: Record<string, string> = dotenvExample): Record<string, string> {
  const env = service.environment ?? {};
  const pairs = Array.isArray(env)
    ? env.map((e) => [e.split('=')[0]!, e.slice(e.indexOf('=') + 1)] as const)
    : Object.entries(env).map(([k, v]) => [k, String(v)] as const);
  return Object.fromEntries(pairs.map(([k, v]) => [k, interpolate(v, vars)]));
}

function parseDotenv(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]!] = m[2]!;
  }
  return vars;
}

// Seconds in a compose duration such as "75s", "2m" or "1m30s".
function durationSeconds(value: string): number {
  const parts = [...value.matchAll(/(\d+)(h|m|s)/g)];
  expect(parts.map((p) => p[0]).join(''), `unreadable duration "${value}"`).toBe(value);
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * { h: 3600, m: 60, s: 1 }[unit as 'h' | 'm' | 's'], 0);
}

// The services built from this repository's Dockerfile: they run our CLI.
const ourServices = () => Object.entries(compose.services).filter(([, s]) => s.build !== undefined);
const workerServices = () => ourServices().filter(([, s]) => s.command?.[0] === 'worker');

beforeAll(async () => {
  compose = parseComposeYaml(await fs.readFile(path.join(REPO, 'docker-compose.yml'), 'utf8')) as Compose;
  dotenvExample = parseDotenv(await fs.readFile(path.join(REPO, '.env.example'), 'utf8'));
  const main = path.join(REPO, 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build first`);
  cliHelp = (await execa('node', [main, '--help'])).stdout;
  cliCommands = commandsOf(cliHelp);
});

describe('docker-compose.yml', () => {
  it('has redis, minio with its bucket job, the server and one worker service per queue family', () => {
    const workers = QUEUE_NAMES.map((q) => `worker-${q}`);
    expect(Object.keys(compose.services).sort()).toEqual(['minio', 'minio-bucket', 'redis', 'server', ...workers].sort());
    for (const queue of QUEUE_NAMES) expect(compose.services[`worker-${queue}`]!.command).toEqual(['worker', '--queues', queue]);
  });

  it('needs only variables that .env.example sets, and refuses to start without keys and a MinIO password', () => {
    for (const [name, service] of Object.entries(compose.services)) expect(() => environmentOf(service), name).not.toThrow();
    const server = compose.services.server!;
    expect(() => environmentOf(server, {})).toThrow(/BIO_QUEUE_API_KEYS} is required/);
    expect(() => environmentOf(compose.services.minio!, {})).toThrow(/MINIO_ROOT_PASSWORD} is required/);
  });

  it('runs the HTTP server on all interfaces with API keys, S3 storage and no embedded worker', () => {
    const server = compose.services.server!;
    expect(server.command?.slice(0, 1)).toEqual(['serve']);
    const config = loadConfig(environmentOf(server));
    expect(config.http.apiKeys.map((k) => k.name)).toEqual(['alice', 'bob']);
    expect(config.embeddedWorker).toBe(false);
    expect(config.storage.backend).toBe('s3');
    const port = server.command![server.command!.indexOf('--port') + 1];
    expect(server.command![server.command!.indexOf('--host') + 1]).toBe('0.0.0.0');
    expect(server.ports).toEqual([`${port}:${port}`]);
    expect(server.healthcheck?.test?.join(' ')).toContain(`127.0.0.1:${port}/health`);
    expect(new URL(config.http.publicUrl!).port).toBe(port);
  });

  it('creates the bucket the server and workers use in the MinIO they reach, with MinIO\'s own account', () => {
    const minioEnv = environmentOf(compose.services.minio!);
    const bucketJob = compose.services['minio-bucket']!;
    const bucketEnv = environmentOf(bucketJob);
    expect(interpolate(bucketJob.command!.join(' '), bucketEnv)).toContain('mc mb --ignore-existing lab/$BUCKET');
    expect(bucketJob.depends_on?.minio?.condition).toBe('service_healthy');
    expect(compose.services.minio!.healthcheck?.test).toEqual(['CMD', 'mc', 'ready', 'local']);
    for (const [name, service] of ourServices()) {
      const config = loadConfig(environmentOf(service));
      expect(config.storage.backend, name).toBe('s3');
      expect(config.storage.s3.bucket, name).toBe(bucketEnv.BUCKET);
      expect(new URL(config.storage.s3.endpoint!).hostname, name).toBe('minio');
      expect(config.storage.s3.accessKeyId, name).toBe(minioEnv.MINIO_ROOT_USER);
      expect(config.storage.s3.secretAccessKey, name).toBe(minioEnv.MINIO_ROOT_PASSWORD);
      expect(service.depends_on?.['minio-bucket']?.condition, name).toBe('service_completed_successfully');
    }
    // Links are signed for the address clients use, which compose publishes.
    const server = loadConfig(environmentOf(compose.services.server!));
    expect(compose.services.minio!.ports).toContain(`${new URL(server.storage.s3.publicEndpoint!).port}:9000`);
  });

  it('pins every image it pulls to an exact release, none from the withdrawn minio/* names', () => {
    const pulled = Object.entries(compose.services).filter(([, s]) => s.build === undefined);
    expect(pulled.map(([name]) => name).sort()).toEqual(['minio', 'minio-bucket', 'redis']);
    for (const [name, service] of pulled) expect(imagePinProblem(service.image ?? ''), name).toBeUndefined();
    expect(compose.services.minio!.image).toMatch(/^quay\.io\/minio\/minio:/);
    expect(compose.services['minio-bucket']!.image).toMatch(/^quay\.io\/minio\/mc:/);
  });

  it('runs Redis 7 with the append-only file on, a volume for it and a redis-cli ping healthcheck', () => {
    const redis = compose.services.redis!;
    expect(redis.image).toMatch(/^redis:7\.\d+\.\d+-alpine$/);
    const command = redis.command ?? [];
    expect(command[command.indexOf('--appendonly') + 1]).toBe('yes');
    expect(redis.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
    const volume = redis.volumes?.find((v) => v.endsWith(':/data'))?.split(':')[0];
    expect(Object.keys(compose.volumes ?? {})).toContain(volume);
  });

  it('publishes Redis, which has no password, on loopback only', () => {
    for (const port of compose.services.redis!.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
  });

  it('runs only commands the CLI lists in its --help', () => {
    expect(cliCommands).toEqual(expect.arrayContaining(['stdio', 'serve', 'worker', 'doctor', 'demo']));
    for (const [name, service] of ourServices()) {
      const [command, ...args] = service.command ?? [];
      expect(cliCommands, `${name}: command "${command}"`).toContain(command);
      for (const flag of args.filter((a) => a.startsWith('--'))) expect(cliHelp, `${name}: flag ${flag}`).toContain(flag);
    }
  });

  it('has workers serve only queues the catalog defines', () => {
    for (const [name, service] of workerServices()) {
      const args = service.command ?? [];
      const fromFlag = args.includes('--queues') ? args[args.indexOf('--queues') + 1]!.split(',') : [];
      const fromEnv = environmentOf(service).BIO_QUEUE_QUEUES?.split(',') ?? [];
      expect(fromFlag.length + fromEnv.length, `${name} should name its queues`).toBeGreaterThan(0);
      for (const queue of [...fromFlag, ...fromEnv]) expect(QUEUE_NAMES, `${name}: queue "${queue}"`).toContain(queue.trim());
    }
  });

  it('sets only variables src/config.ts reads, with values it accepts', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      const env = environmentOf(service);
      if (!service.build) {
        expect(Object.keys(env).filter((k) => k.startsWith('BIO_')), `${name} is not ours`).toEqual([]);
        continue;
      }
      for (const variable of Object.keys(env)) expect(Object.keys(configVariables), `${name}: ${variable}`).toContain(variable);
      expect(() => loadConfig(env)).not.toThrow();
    }
  });

  it('points the workers at the compose Redis once it is healthy', () => {
    for (const [name, service] of ourServices()) {
      const url = new URL(environmentOf(service).BIO_QUEUE_REDIS_URL ?? '');
      expect(Object.keys(compose.services), `${name}: BIO_QUEUE_REDIS_URL host`).toContain(url.hostname);
      expect(service.depends_on?.[url.hostname]?.condition, name).toBe('service_healthy');
    }
  });

  it('gives the workers a named volume as their data dir, shared by every replica', () => {
    for (const [name, service] of ourServices()) {
      const dataDir = environmentOf(service).BIO_QUEUE_DATA_DIR;
      const mount = service.volumes?.find((v) => v.split(':')[1] === dataDir);
      expect(mount, `${name}: no volume mounted at BIO_QUEUE_DATA_DIR=${dataDir}`).toBeDefined();
      expect(Object.keys(compose.volumes ?? {})).toContain(mount!.split(':')[0]);
    }
  });

  it('checks each worker\'s health with the script the image installs', async () => {
    const dockerfile = await fs.readFile(path.join(REPO, 'Dockerfile'), 'utf8');
    const installed = /^COPY scripts\/worker-healthcheck\.sh \/usr\/local\/bin\/(\S+)$/m.exec(dockerfile)?.[1];
    expect(installed).toBeDefined();
    for (const [name, service] of workerServices()) {
      expect(service.healthcheck?.test, name).toEqual(['CMD', installed]);
      expect(durationSeconds(service.healthcheck!.timeout!)).toBeLessThan(durationSeconds(service.healthcheck!.interval!));
    }
  });

  it('sets the tool threads of every worker, so scaled replicas do not each take every CPU', () => {
    for (const [name, service] of workerServices()) {
      expect(environmentOf(service).BIO_QUEUE_TOOL_THREADS, name).toMatch(/^\d+$/);
      expect(loadConfig(environmentOf(service)).toolThreads, name).toBe(Number(dotenvExample.BIO_QUEUE_TOOL_THREADS));
    }
  });

  it('passes the public URL and allowed hosts of .env to the server', () => {
    const env = environmentOf(compose.services.server!, { ...dotenvExample, BIO_QUEUE_PUBLIC_URL: 'http://bio.lab.org:8000', BIO_QUEUE_ALLOWED_HOSTS: 'bio,10.0.0.5' });
    const config = loadConfig(env);
    expect(config.http.publicUrl).toBe('http://bio.lab.org:8000');
    expect(config.http.allowedHosts).toEqual(['bio', '10.0.0.5']);
    // Left empty in .env, the default list applies (localhost and the public URL's host).
    expect(loadConfig(environmentOf(compose.services.server!)).http.allowedHosts).toBeUndefined();
  });

  it('keeps the workers scalable (--scale) and lets SIGTERM drain before Docker kills them', () => {
    for (const [name, service] of workerServices()) {
      expect(service.container_name, `${name}: container_name prevents --scale`).toBeUndefined();
      expect(service.ports, `${name}: published ports collide under --scale`).toBeUndefined();
      const drain = loadConfig(environmentOf(service)).drainTimeoutMs / 1000;
      expect(durationSeconds(service.stop_grace_period ?? '10s'), `${name}: stop_grace_period`).toBeGreaterThan(drain);
    }
  });
});

describe('Dockerfile', () => {
  let dockerfile: string;
  beforeAll(async () => {
    dockerfile = await fs.readFile(path.join(REPO, 'Dockerfile'), 'utf8');
  });

  it('starts from Node 22 on Debian bookworm', () => {
    expect(dockerfile).toMatch(/^FROM node:22-bookworm-slim$/m);
  });

  it('installs redis-server (for stdio mode; it brings redis-cli) and the apt package of every binary the catalog runs, read from scripts/tool-packages.tsv', async () => {
    expect(dockerfile).toMatch(/^COPY scripts\/tool-packages\.tsv \/tmp\/tool-packages\.tsv$/m);
    const install = /apt-get install -y --no-install-recommends redis-server \$\((.+)\) \\$/m.exec(dockerfile)?.[1];
    expect(install, 'the apt-get install line').toBeDefined();
    // The same command substitution, run here on the repository's list.
    const { stdout } = await execa('bash', ['-c', install!.replaceAll('/tmp/tool-packages.tsv', path.join(REPO, 'scripts', 'tool-packages.tsv'))], { env: { LC_ALL: 'C' } });
    const expected = [...new Set(catalogBinaries().map((b) => b.install.apt))].sort();
    expect(stdout.split('\n')).toEqual(expected);
  });

  it('has an ENTRYPOINT that is the package bin and exists after the build', async () => {
    const line = /^ENTRYPOINT (.+)$/m.exec(dockerfile)?.[1];
    const entrypoint = JSON.parse(line ?? 'null') as string[];
    expect(entrypoint[0]).toBe('node');
    const pkg = JSON.parse(await fs.readFile(path.join(REPO, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(entrypoint[1]).toBe(pkg.bin['bio-mcp-queue']);
    expect(existsSync(path.join(REPO, entrypoint[1]!)), `${entrypoint[1]} missing: run npm run build`).toBe(true);
  });

  it('leaves dependencies, build output, tests, benchmarks, their data and secrets out of the build context', async () => {
    const ignored = (await fs.readFile(path.join(REPO, '.dockerignore'), 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['.git', 'node_modules', 'dist', '.bench-data', 'tests', 'bench', '.env']));
    // Nothing the Dockerfile copies is ignored.
    const copied = [...dockerfile.matchAll(/^COPY (.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    for (const source of copied) expect(ignored, `COPY ${source}`).not.toContain(source.split('/')[0]);
  });

  it('copies only paths that exist in the repository', () => {
    const sources = [...dockerfile.matchAll(/^COPY (.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(existsSync(path.join(REPO, source)), `COPY ${source}`).toBe(true);
  });

  it('copies every folder the CLI is compiled from, and the script that bundles it', async () => {
    const copied = [...dockerfile.matchAll(/^COPY (.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    // entry.js is what tsc made of the executable's source, the bundle's input (scripts/bundle-cli.ts):
    // the bundle itself (main.js) imports only its chunks.
    const folders = [...(await compiledImportGraph(path.join(REPO, 'dist', 'src', 'cli', 'entry.js')))].map(
      (file) => path.relative(path.join(REPO, 'dist'), file).split(path.sep)[0]!,
    );
    const needed = [...new Set(folders)].sort();
    expect(needed).toEqual(expect.arrayContaining(['src', 'tools', 'worker']));
    for (const folder of needed) expect(copied, `the CLI imports dist/${folder}/`).toContain(folder);
    const pkg = JSON.parse(await fs.readFile(path.join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const buildScripts = [...pkg.scripts.build!.matchAll(/node dist\/(scripts\/[\w-]+)\.js/g)].map((m) => `${m[1]}.ts`);
    expect(buildScripts).toEqual(['scripts/bundle-cli.ts']);
    for (const script of buildScripts) expect(copied, `npm run build runs ${script}`).toContain(script);
  });
});

describe('the compose YAML reader', () => {
  it('reads the subset the compose file uses', () => {
    const text = [
      '# comment',
      'a:',
      '  b: "x # not a comment"  # comment',
      '  c: [ "CMD", \'redis-cli\', ping ]',
      '  d:',
      '    - 127.0.0.1:1:1',
      '  e: 10',
      '  f:',
      'g: redis://r:6379',
    ].join('\n');
    expect(parseComposeYaml(text)).toEqual({
      a: { b: 'x # not a comment', c: ['CMD', 'redis-cli', 'ping'], d: ['127.0.0.1:1:1'], e: 10, f: null },
      g: 'redis://r:6379',
    });
  });

  it('merges an anchored block mapping where "<<: *name" says, the mapping\'s own keys winning', () => {
    const text = ['x-base: &base', '  image: img', '  restart: always', 'svc:', '  command: [a]', '  <<: *base', '  restart: "no"'].join('\n');
    expect(parseComposeYaml(text)).toEqual({ 'x-base': { image: 'img', restart: 'always' }, svc: { command: ['a'], image: 'img', restart: 'no' } });
    expect(() => parseComposeYaml('svc:\n  <<: *missing\n')).toThrow('docker-compose.yml line 2: no anchor "&missing" before this merge');
  });

  it('refuses YAML outside the subset, naming the line', () => {
    expect(() => parseComposeYaml('a:\n  b: &anchor 1\n')).toThrow('docker-compose.yml line 2: "&" at the start of a value is not supported');
    expect(() => parseComposeYaml('a:\n  - b: 1\n')).toThrow('docker-compose.yml line 2: mappings inside sequences are not supported');
    expect(() => parseComposeYaml('a: |\n  text\n')).toThrow('docker-compose.yml line 1: "|" at the start of a value is not supported');
    expect(() => parseComposeYaml('a: 1\na: 2\n')).toThrow('docker-compose.yml line 2: duplicate key "a"');
  });
});
