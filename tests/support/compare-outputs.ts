// How a job's output is compared with the same command run by hand when the bytes cannot be:
// BAM and VCF headers carry the command line (@PG CL, ##bcftools_*Command) and a date, so the
// records are compared whole and the headers without those lines. The tools themselves read
// the files (samtools, bcftools), as a person would.
import { execa } from 'execa';

async function run(bin: string, args: string[]): Promise<string> {
  return (await execa(bin, args, { stdin: 'ignore' })).stdout;
}

/** Every alignment record of a BAM/SAM, as text. */
export function bamRecords(file: string): Promise<string> {
  return run('samtools', ['view', '--no-PG', file]);
}

/** The header of a BAM/SAM without its @PG lines (the only ones that name the command line). */
export async function bamHeaderWithoutPg(file: string): Promise<string> {
  const header = await run('samtools', ['view', '-H', '--no-PG', file]);
  return header.split('\n').filter((line) => !line.startsWith('@PG')).join('\n');
}

/** The @PG lines of a BAM/SAM header without their command lines (CL): the programs and versions, which must match a run by hand. */
export async function bamProgramsWithoutCommands(file: string): Promise<string[]> {
  const header = await run('samtools', ['view', '-H', '--no-PG', file]);
  return header
    .split('\n')
    .filter((line) => line.startsWith('@PG'))
    .map((line) => line.replace(/\tCL:.*$/, ''));
}

/** Every variant record of a VCF/BCF (plain or bgzipped), as text. */
export function vcfRecords(file: string): Promise<string> {
  return run('bcftools', ['view', '--no-version', '-H', file]);
}

/**
 * The header of a VCF without the lines bcftools writes about itself (command line and date):
 * "##bcftools_callCommand=…" for most subcommands, "##bcftoolsCommand=…" for mpileup.
 */
export async function vcfHeaderWithoutCommands(file: string): Promise<string> {
  const header = await run('bcftools', ['view', '--no-version', '-h', file]);
  return header
    .split('\n')
    .filter((line) => !/^##bcftools(_\w+)?(Command|Version)=/.test(line))
    .join('\n');
}
