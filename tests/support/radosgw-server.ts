// A real Ceph object gateway (radosgw) for a test file: the S3 server that checks every SigV4
// signature, presigned or not, as production S3 does. radosgw 16 (Debian 12) stores only in a
// RADOS cluster (its SQLite "dbstore", which needs none, came after that release), so this
// starts the smallest cluster there is: one monitor and one OSD keeping its
// objects in memory (memstore), cephx off between the daemons (S3 keys are radosgw's own and
// stay checked), all on free loopback ports with files in a temp folder. Takes some seconds.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../bench/support/throwaway-redis.js';
import type { S3Server } from './s3-server.js';

const run = promisify(execFile);

/** The Debian packages the gateway and its cluster come from; scripts/bootstrap.sh installs them. */
export const RADOSGW_PACKAGES = ['radosgw', 'ceph-mon', 'ceph-osd'] as const;
const BINARIES = ['setpriv', 'radosgw', 'radosgw-admin', 'ceph-mon', 'ceph-osd', 'ceph', 'ceph-authtool', 'monmaptool'];

/** The S3 user made in every gateway: the key pair our store signs with. */
export const RADOSGW_ACCESS_KEY = 'BIOQTESTACCESSKEY';
export const RADOSGW_SECRET_KEY = 'bioq-test-secret-key';

/** Generous: a first start creates the gateway's pools, and the machine is shared. */
const START_TIMEOUT_MS = 120_000;

function cephConf(dir: string, monPort: number, rgwPort: number): string {
  return `[global]
fsid = ${randomUUID()}
mon host = v2:127.0.0.1:${monPort}
public addr = 127.0.0.1
ms bind ipv6 = false
# No cephx between the daemons of a throwaway cluster. "none" cannot encrypt, so the
# monitor's clients must be allowed the crc mode (radosgw asks for secure only by default).
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc secure
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
pid file = ${dir}/run/$name.pid
log file = ${dir}/$name.log
keyring = ${dir}/keyring
mon data = ${dir}/$name
osd data = ${dir}/$name
# One OSD in memory, so one copy of everything and no disk to prepare.
osd objectstore = memstore
memstore device bytes = 1073741824
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000

[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw data = ${dir}/rgw
`;
}

async function missingBinaries(searchPath: string): Promise<string[]> {
  const missing: string[] = [];
  for (const binary of BINARIES) {
    const found = await run('/bin/sh', ['-c', `command -v ${binary}`], { env: { PATH: searchPath } }).then(() => true, () => false);
    if (!found) missing.push(binary);
  }
  return missing;
}

/**
 * A daemon in the foreground (-f), so it is our child and dies with stop(); setpriv (util-linux)
 * has the kernel kill it should this process die first, so a crashed test leaves no cluster.
 */
function daemon(args: string[]): ChildProcess {
  const child = spawn('setpriv', ['--pdeathsig', 'SIGKILL', '--', ...args, '-f'], { stdio: 'ignore' });
  child.on('error', () => {}); // reported by the readiness checks, with the log
  return child;
}

async function logTail(file: string): Promise<string> {
  const text = await fs.readFile(file, 'utf8').catch(() => '(no log)');
  return text.trim().split('\n').slice(-8).join('\n    ');
}

// Waits until the gateway answers HTTP: an anonymous GET / is an empty bucket list. The list
// (not just any 200) and the process still running tell that it is ours on that port.
async function waitForGateway(endpoint: string, gateway: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (gateway.exitCode !== null || gateway.signalCode !== null) {
      throw new Error(`radosgw exited (${gateway.exitCode ?? gateway.signalCode}) before answering`);
    }
    const answer = await fetch(endpoint, { signal: AbortSignal.timeout(2000) }).then(
      async (r) => ({ status: r.status, body: await r.text() }),
      () => undefined,
    );
    if (answer?.status === 200 && answer.body.includes('ListAllMyBucketsResult') && gateway.exitCode === null) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`radosgw at ${endpoint} did not answer within ${START_TIMEOUT_MS / 1000} s`);
}

export interface RadosGatewayOptions {
  /** Where to look for the Ceph binaries; the process's PATH unless given. */
  searchPath?: string;
}

export async function startRadosGateway(options: RadosGatewayOptions = {}): Promise<S3Server> {
  const missing = await missingBinaries(options.searchPath ?? process.env.PATH ?? '');
  if (missing.length > 0) {
    throw new Error(
      `radosgw, the S3 server that checks signatures, cannot run here: ${missing.join(', ')} not found. ` +
        `Run \`bash scripts/bootstrap.sh\` (on Debian/Ubuntu it installs them), or: sudo apt-get install -y ${RADOSGW_PACKAGES.join(' ')}`,
    );
  }
  const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-radosgw-')));
  const conf = path.join(dir, 'ceph.conf');
  const children: ChildProcess[] = [];
  const stop = async () => {
    // Nothing to flush in a throwaway in-memory cluster: kill at once, gateway first.
    for (const child of children.reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    children.length = 0;
  };
  const remove = async () => {
    await stop();
    await fs.rm(dir, { recursive: true, force: true });
  };

  try {
    const monPort = await freePort();
    let rgwPort = await freePort();
    while (rgwPort === monPort) rgwPort = await freePort();
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    await fs.mkdir(path.join(dir, 'run'));
    await fs.writeFile(conf, cephConf(dir, monPort, rgwPort));
    const ceph = (binary: string, args: string[]) => run(binary, ['-c', conf, ...args], { timeout: START_TIMEOUT_MS });

    // The monitor: a map with itself alone, then its store.
    await run('monmaptool', ['--create', '--addv', 'a', `[v2:127.0.0.1:${monPort}]`, path.join(dir, 'monmap')]);
    await run('ceph-authtool', ['--create-keyring', path.join(dir, 'keyring'), '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *']);
    await ceph('ceph-mon', ['--mkfs', '-i', 'a', '--monmap', path.join(dir, 'monmap')]);
    children.push(daemon(['ceph-mon', '-c', conf, '-i', 'a']));

    // The OSD: registered with the monitor (which also waits for it to answer), made, started.
    const osdUuid = randomUUID();
    const osdId = (await ceph('ceph', ['--connect-timeout', '60', 'osd', 'new', osdUuid])).stdout.trim();
    await fs.mkdir(path.join(dir, `osd.${osdId}`));
    await ceph('ceph-osd', ['-i', osdId, '--mkfs', '--osd-uuid', osdUuid]);
    children.push(daemon(['ceph-osd', '-c', conf, '-i', osdId]));

    // The S3 user, written to RADOS before the gateway starts (this also creates its pools).
    await ceph('radosgw-admin', ['-n', 'client.rgw', 'user', 'create', '--uid=bioq', '--display-name=bio-mcp-queue tests', `--access-key=${RADOSGW_ACCESS_KEY}`, `--secret=${RADOSGW_SECRET_KEY}`]);

    const gateway = daemon(['radosgw', '-c', conf, '-n', 'client.rgw']);
    children.push(gateway);
    await waitForGateway(endpoint, gateway);

    return {
      kind: 'radosgw',
      endpoint,
      port: rgwPort,
      settings: (bucket) => ({
        endpoint,
        publicEndpoint: undefined,
        accessKeyId: RADOSGW_ACCESS_KEY,
        secretAccessKey: RADOSGW_SECRET_KEY,
        bucket,
        region: 'us-east-1',
        forcePathStyle: true,
        allowedBuckets: [bucket],
      }),
      env: (bucket) => ({
        BIO_STORAGE_BACKEND: 's3',
        BIO_STORAGE_MINIO_ENDPOINT: endpoint,
        BIO_STORAGE_MINIO_ACCESS_KEY: RADOSGW_ACCESS_KEY,
        BIO_STORAGE_MINIO_SECRET_KEY: RADOSGW_SECRET_KEY,
        BIO_STORAGE_BUCKET_NAME: bucket,
      }),
      stop,
      remove,
    };
  } catch (err) {
    const logs = await Promise.all(['mon.a', 'osd.0', 'client.rgw'].map(async (name) => `${name}.log:\n    ${await logTail(path.join(dir, `${name}.log`))}`));
    await remove();
    throw new Error(`could not start a throwaway radosgw: ${(err as Error).message}\n  ${logs.join('\n  ')}`, { cause: err });
  }
}
