// The shape of a catalog entry. A definition is data plus pure functions: it says what a tool
// needs (inputs by format, databases, cached reference indexes), how its parameters become
// command lines, how to read its progress and its errors, what it produces and how to summarise
// it — and does no I/O of its own. The worker carries that out; adapters and docs loop over it.
import type { z } from 'zod';

/** One process: the binary, then its arguments. Never a shell string. */
export type Argv = readonly string[];

/** What an input file may hold; the worker checks it before the tool runs (many tools exit 0 on garbage). */
export type InputFormat = 'fasta' | 'fastq' | 'sam' | 'bam' | 'vcf' | 'hmm' | 'table' | 'any';
/** What the sequences of a FASTA/FASTQ input must be. */
export type Residues = 'nucleotide' | 'protein' | 'any';

/** Package names per package manager, for install hints, doctor and the bootstrap script. */
export interface InstallPackages {
  apt: string;
  brew: string;
  /** "channel package", e.g. "bioconda bwa". */
  conda: string;
}

/** An executable a tool runs, found on PATH. */
export interface BinarySpec {
  name: string;
  /** How to ask its version; the first capture group of versionPattern (or the match) is kept. */
  versionArgs: readonly string[];
  versionPattern: RegExp;
  install: InstallPackages;
}

/**
 * A kind of named database kept in the databases folder (BLAST, DIAMOND, HMM profiles), found
 * by name: list_databases lists them, tools take their names, some tools build them.
 */
export interface DatabaseKind {
  kind: string;
  title: string;
  /** File name suffixes any one of which makes `<name>` a database of this kind. */
  markers: readonly string[];
  /** What the tool is given for database `name` in folder `dir` (a bare name for BLAST, which finds it through env). */
  path(dir: string, name: string): string;
  /** Environment the tool needs to find databases of this kind in `dir`. */
  env?(dir: string): Record<string, string>;
  /** An index built beside the database file on first use (hmmpress of an HMM library). */
  index?: IndexKind;
  /**
   * The index kind a database of this kind already is (a DIAMOND .dmnd is what diamond makedb
   * builds of a FASTA): for an input given as such a database, RunContext.index(param, that
   * kind) is the database itself and nothing is built, so a tool's steps need not ask which.
   */
  asIndex?: IndexKind;
  /** The database's main file, relative to the folder, when it has one to index. */
  file?(name: string): string;
}

/**
 * An index of a reference built once per content (sha256) and shared by every job and worker:
 * bwa index, minimap2's .mmi, samtools faidx, hmmpress, diamond makedb.
 */
export interface IndexKind {
  kind: string;
  title: string;
  binary: BinarySpec;
  /** Name the reference gets in the cache folder; indexes of the same content share that copy. */
  sourceName: string;
  /** Commands that build the index, run in the folder that holds `source`. */
  build(options: IndexBuildOptions): Argv[];
  /** Files the build leaves (relative to that folder): checked after the build, summed for list_databases. */
  files(options: IndexUseOptions): string[];
  /** The file (relative to that folder) a tool is given. */
  use(options: IndexUseOptions): string;
}

export interface IndexUseOptions {
  /** File name of the reference in its folder. */
  source: string;
  /** Index variant (minimap2's preset); undefined for kinds that have none. */
  variant: string | undefined;
}

export interface IndexBuildOptions extends IndexUseOptions {
  threads: number;
}

/** An index a tool needs of one of its inputs. */
export interface IndexNeed {
  index: IndexKind;
  variant?: string;
}

/** A parameter that names an input file (path, URL, upload://, s3://, job://, or inline text). */
export interface InputSpec {
  param: string;
  /** Formats the tool accepts. */
  formats: readonly InputFormat[];
  /** For FASTA/FASTQ: what the sequences must be, fixed or depending on other parameters. Default "any". */
  residues?: Residues | ((params: Record<string, unknown>) => Residues);
  /** The tool reads gzip-compressed input itself; otherwise such an input is decompressed into the work dir. */
  readsGzip?: boolean;
  /** The parameter may be left out. */
  optional?: boolean;
  /** The parameter is a list of one or more inputs. */
  list?: boolean;
  /** Cached indexes the tool needs of this input. */
  indexes?(params: Record<string, unknown>): readonly IndexNeed[];
  /** The value may instead be the name of a database of this kind (list_databases). */
  orDatabase?: DatabaseKind;
  /** Keep the record ids, for a progress tracker that needs them. Costs memory per record. */
  keepIds?: boolean;
  /**
   * The second file of paired reads: the parameter that holds the first mates. Both must hold
   * as many records, checked before the tool runs (fastp 0.23.2 stops early, or hangs, when not).
   */
  mateOf?: string;
}

/** A parameter whose value is the name of a database in the databases folder. */
export interface DatabaseSpec {
  param: string;
  kind: DatabaseKind;
}

/** Files a tool writes that become a named database (makeblastdb, diamond makedb). */
export interface PublishSpec {
  /** The parameter that names the new database (blamed when the name is taken). */
  param: string;
  name: string;
  kind: DatabaseKind;
  /** Work-dir-relative prefix of the files the tool writes: `<prefix>.*` are published. */
  prefix: string;
}

/** What the worker hands to steps() and env(): where each input is and what the tool may use. */
export interface RunContext {
  /** The path a tool is given for an input or database parameter (relative to the work dir, or absolute). */
  input(param: string): string;
  /** The paths of a list parameter, in the caller's order. */
  inputs(param: string): string[];
  /** Whether an optional input parameter was given. */
  has(param: string): boolean;
  /** The path of a cached index of an input parameter, as IndexKind.use names it (or the database given instead, when it is that index: DatabaseKind.asIndex). */
  index(param: string, kind: IndexKind): string;
  /** Threads the tool may use. */
  threads: number;
}

/** Reads a tool's progress from text it writes. */
export interface ProgressTracker {
  /** Text as it arrives, in any chunking. */
  feed(chunk: string): void;
  /** Units finished so far. */
  done(): number;
  /** Units in all, when the tracker learns it from the tool itself (mafft's "STEP 17 / 44"). */
  total?(): number | undefined;
  /** What to show instead of "<done> of <total> <unit> done", when the tool's own words say it better. */
  message?(): string | undefined;
}

export interface ProgressSpec {
  /**
   * Where the signal comes from: the step's stderr, or a file it writes as it goes; gzip: the
   * file is gzip or BGZF (bcftools -Oz, fastp's .fq.gz) and the tracker is fed its text.
   */
  from: 'stderr' | { file: string; gzip?: boolean };
  /** The units are the records (or residues) of these inputs; omitted when the tracker knows its total. */
  of?: { inputs: readonly string[]; count: 'records' | 'residues' };
  /** What the units are called in the progress message ("reads", "query sequences"). */
  unit: string;
  /** A fresh tracker; ids(param) gives the record ids of an input declared with keepIds. */
  tracker(ids: (param: string) => readonly string[]): ProgressTracker;
}

/** One command of a run: a process, or a pipeline of them (each one's stdout feeds the next). */
export interface Step {
  /** Shown in progress messages ("aligning", "sorting"). */
  label: string;
  pipeline: readonly Argv[];
  /** Work-dir-relative file that receives the last process's stdout; discarded otherwise. */
  stdout?: string;
  /** Work-dir-relative file that also receives what the step's processes write to stderr (a tool's log, as an output). */
  stderr?: string;
  progress?: ProgressSpec;
  /** Share of the whole run for progress (default 1). */
  weight?: number;
  /** This step's first command is the result's `command`, the one a person would name the run by (default: the first step's). */
  primary?: boolean;
}

/** Turns a known tool message into an error that blames one input. */
export interface ErrorRule {
  /** Matched against the stderr of the step that failed. */
  when: RegExp;
  /** The parameter at fault. */
  field: string;
  message(params: Record<string, unknown>): string;
}

export interface OutputSpec {
  /** File name in the work dir, also the name shown to clients. */
  name: string;
  mediaType: string;
}

/** Read access to a finished run's outputs, given to summarize(). */
export interface OutputReader {
  /** Lines of a text output, gzip (bgzip) undone; streamed, so any size is fine. */
  lines(name: string): AsyncIterable<string>;
  /** The same lines a batch at a time: for a summary of outputs of many short lines, which loops over each batch itself. */
  lineBatches(name: string): AsyncIterable<readonly string[]>;
  /** The first maxBytes of a text output. */
  text(name: string, maxBytes: number): Promise<string>;
  exists(name: string): Promise<boolean>;
}

/** What the worker learned about each staged input (from its check), for summaries. */
export interface InputFacts {
  format: InputFormat;
  records: number;
  residues: number;
}

/** How a split-query run of the tool (the `split` parameter, tools/split-option.ts) merges its parts' outputs. */
export type SplitMergeFormat = 'tabular' | 'tabular-commented' | 'json' | 'xml';

/** A search whose query can be split into parts, each run as a job of the same tool, the outputs merged in query order. */
export interface SplitSpec {
  /** The input parameter that is split (a FASTA of many records). */
  input: string;
  /** How every output file of the tool is merged, given the parameters. */
  format(params: Record<string, unknown>): SplitMergeFormat;
  /** Letters a record costs on top of its own when parts are balanced (split-query.ts); 0 when left out. */
  recordCost?(params: Record<string, unknown>): number;
}

export interface ToolAnnotations {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  /** True when an input may be an http(s):// URL the worker fetches: every tool with `inputs`. */
  openWorldHint?: boolean;
}

export interface ToolDefinition<Schema extends z.ZodObject = z.ZodObject> {
  /** Catalog name; the MCP tool is `<name>_async`, the REST job_type is `<name>`. */
  name: string;
  title: string;
  /** Written for an AI assistant: what it does, when to use it, what the inputs look like. */
  description: string;
  /** The queue family: one BullMQ queue each, so workers can be scaled per family. */
  queue: string;
  /** Every executable the steps run, the main one first (its version is the result's tool_version). */
  binaries: readonly BinarySpec[];
  annotations: ToolAnnotations;
  input: Schema;
  inputs: readonly InputSpec[];
  databases?: readonly DatabaseSpec[];
  publishes?(params: z.output<Schema>): PublishSpec;
  steps(params: z.output<Schema>, ctx: RunContext): Step[];
  /** Extra environment for every step. */
  env?(params: z.output<Schema>, ctx: RunContext): Record<string, string>;
  outputs(params: z.output<Schema>): OutputSpec[];
  /** Known messages that blame an input, checked in order when a step fails. */
  errors?: readonly ErrorRule[];
  /** Stderr text that means the run failed even though the tool exited 0 (seqkit, fastp). */
  failsOnStderr?: RegExp;
  summarize(params: z.output<Schema>, outputs: OutputReader, inputs: Readonly<Record<string, InputFacts>>): Promise<Record<string, unknown>>;
  /**
   * True when its steps write the outputs summarize() reads front to back, plain text, by one
   * process, never rewritten or renamed (BLAST's -out): the summary then reads them as they grow,
   * so a long output is summarised by the time the tool ends (worker/summary-while-running.ts).
   */
  summaryWhileRunning?(params: z.output<Schema>): boolean;
  /** The tool takes a `split` parameter and can run split-query (worker/split-search.ts). */
  split?: SplitSpec;
  limits: {
    /** Largest total size of the outputs, in bytes. */
    maxOutputBytes: number;
  };
}

// Identity with type inference, so each catalog file gets its params typed from its schema.
export function defineTool<Schema extends z.ZodObject>(definition: ToolDefinition<Schema>): AnyToolDefinition {
  return definition as unknown as AnyToolDefinition;
}

export type AnyToolDefinition = ToolDefinition<z.ZodObject>;
