// Real `worker` processes (the built CLI) on a test's Redis, for tests that kill, freeze and
// resume them: each logs at info so the test can read what it did, and stopAll() ends whatever
// is left (a frozen one is resumed first, so the kill reaches it).
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { REPO } from './harness.js';

const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');

export interface WorkerProcess {
  proc: ResultPromise;
  /** Everything it has logged so far. */
  log(): string;
}

/** env is read at each start: a harness's env exists only once its beforeAll has run. */
export function workerProcesses(env: () => Record<string, string>, queues: string) {
  const live: WorkerProcess[] = [];
  return {
    start(): WorkerProcess {
      let log = '';
      const proc = execa(process.execPath, [MAIN, 'worker', '--queues', queues], { env: { ...env(), BIO_QUEUE_LOG_LEVEL: 'info' }, stdin: 'ignore', reject: false, forceKillAfterDelay: false });
      proc.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
      const worker = { proc, log: () => log };
      live.push(worker);
      return worker;
    },
    async stopAll(): Promise<void> {
      for (const w of live.splice(0)) {
        w.proc.kill('SIGCONT');
        w.proc.kill('SIGKILL');
        await w.proc;
      }
    },
  };
}

/** Polls probe every 100 ms until it gives a value; throws naming `what` past giveUpMs. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, giveUpMs = 120_000): Promise<T> {
  for (let waited = 0; ; waited += 100) {
    const value = await probe();
    if (value !== undefined) return value;
    if (waited > giveUpMs) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
