// Runs the real tools the input tests use as oracles (seqkit, samtools, bcftools, hmmstat) and
// to make BAM/SAM/VCF inputs from the fixtures, so no binary format is ever written by hand.
// The environment is pinned: LC_ALL=C for stable sorting and messages, and REF_PATH/REF_CACHE
// pointed nowhere so htslib never reaches for the EBI reference server. A missing tool fails
// the test with the command that installs it.
import { createHash } from 'node:crypto';
import { execa } from 'execa';
import { installHint } from '../../src/system/install-hints.js';

/** Packages for the binaries install-hints.ts has no entry for. */
const APT: Readonly<Record<string, string>> = { hmmstat: 'hmmer', bgzip: 'tabix', gzip: 'gzip' };

function missing(binary: string): Error {
  const apt = APT[binary];
  return new Error(`${binary} is not installed; the input tests need it.\n${apt ? `  Debian/Ubuntu: sudo apt-get install -y ${apt}` : installHint(binary)}`);
}

export interface ToolRun {
  stdout: Buffer;
  stderr: string;
  exitCode: number;
}

// Runs binary with args in cwd; rejects with the install hint when it is missing. `ok: false`
// returns a failed run instead of throwing.
export async function tool(binary: string, args: string[], cwd: string, options: { ok?: boolean; input?: Buffer } = {}): Promise<ToolRun> {
  const result = await execa(binary, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', REF_PATH: ':', REF_CACHE: '/nonexistent' },
    extendEnv: false,
    encoding: 'buffer',
    stripFinalNewline: false, // outputs are compared byte for byte
    reject: false,
    ...(options.input ? { input: options.input } : { stdin: 'ignore' }),
  });
  if ((result as { code?: string }).code === 'ENOENT') throw missing(binary);
  const run = { stdout: Buffer.from(result.stdout), stderr: Buffer.from(result.stderr).toString('utf8'), exitCode: result.exitCode ?? -1 };
  if (options.ok !== false && run.exitCode !== 0) throw new Error(`${binary} ${args.join(' ')} exited ${run.exitCode}: ${run.stderr}`);
  return run;
}

// stdout of a successful run, as text.
export async function toolText(binary: string, args: string[], cwd: string): Promise<string> {
  return (await tool(binary, args, cwd)).stdout.toString('utf8');
}

// sha256 hex of bytes.
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

// seqkit's own count of records and residues for a FASTA/FASTQ file (plain or gzip).
export async function seqkitStats(file: string, cwd: string): Promise<{ records: number; residues: number }> {
  const [header, row] = (await toolText('seqkit', ['stats', '-T', file], cwd)).trim().split('\n');
  const columns = header!.split('\t');
  const values = row!.split('\t');
  return { records: Number(values[columns.indexOf('num_seqs')]), residues: Number(values[columns.indexOf('sum_len')]) };
}
