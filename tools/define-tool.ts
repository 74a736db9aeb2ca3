// The shape of a catalog entry. A definition is data plus pure functions: it does no I/O of its
// own, so adapters, the worker and the docs can all loop over the catalog and tests can check it
// as data. The worker supplies everything that touches files or processes.
import type { z } from 'zod';

/** Queue families: one BullMQ queue each, so workers can be scaled per family. */
export const QUEUE_NAMES = ['blast'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export type SequenceKind = 'nucleotide' | 'protein';

/** A parameter that names an input (path, URL or inline FASTA) the worker stages into the work dir. */
export interface InputFileSpec {
  param: string;
  /** What the file must hold; checked before the tool runs (several tools exit 0 on garbage). */
  kind: SequenceKind | 'any-sequence';
  /** When what the file must hold depends on another parameter (makeblastdb's dbtype). */
  kindFromParams?(params: Record<string, unknown>): SequenceKind;
  /** File name inside the work dir. */
  stagedName: string;
}

/** What the worker hands to argv() and env(): staged file names and where things live. */
export interface RunContext {
  /** param → staged file name, relative to the work dir (the tool's cwd). */
  files: Record<string, string>;
  /** Absolute path of the BLAST database folder. */
  dbDir: string;
  /** Threads the tool may use. */
  threads: number;
}

export interface OutputSpec {
  /** File name in the work dir, also the name shown to clients. */
  name: string;
  mediaType: string;
}

/** Counts finished units (e.g. query sequences) from text the tool writes, fed as it grows. */
export interface ProgressTracker {
  feed(chunk: string): void;
  /** Units finished so far. */
  done(): number;
}

export interface ProgressSpec {
  /** The output file (relative to the work dir) that grows as the tool works. */
  file: string;
  /** The staged input whose sequence records are the units of work. */
  unitsOf: string;
  /** Given the ids of those records in input order, make a tracker. */
  createTracker(recordIds: readonly string[]): ProgressTracker;
}

/** Read access to a finished run's outputs, given to summarize(). */
export interface OutputReader {
  lines(name: string): AsyncIterable<string>;
  text(name: string, maxBytes: number): Promise<string>;
}

export interface PublishedDatabase {
  /** Name under which it is searched. */
  name: string;
  dbtype: 'nucl' | 'prot';
  /** Prefix of the files the tool wrote, relative to the work dir (e.g. "db/lambda"). */
  filesPrefix: string;
}

export interface ToolAnnotations {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export interface ToolDefinition<Schema extends z.ZodObject = z.ZodObject> {
  /** Catalog name; the MCP tool is `<name>_async`, the REST job_type is `<name>`. */
  name: string;
  title: string;
  /** Written for an AI assistant: what it does, when to use it, what the inputs look like. */
  description: string;
  queue: QueueName;
  /** The executable, found on PATH. */
  binary: string;
  /** How to ask the binary its version; the first line that matches versionPattern wins. */
  versionArgs: readonly string[];
  versionPattern: RegExp;
  annotations: ToolAnnotations;
  input: Schema;
  inputFiles: readonly InputFileSpec[];
  /** The command line, as an argv array (never a shell string); paths relative to the work dir. */
  argv(params: z.output<Schema>, ctx: RunContext): string[];
  /** Extra environment for the tool. */
  env?(params: z.output<Schema>, ctx: RunContext): Record<string, string>;
  /** File (in the work dir) that receives the tool's stdout, when stdout is an output. */
  stdoutFile?: string;
  outputs(params: z.output<Schema>): OutputSpec[];
  progress?(params: z.output<Schema>): ProgressSpec | undefined;
  summarize(params: z.output<Schema>, outputs: OutputReader): Promise<Record<string, unknown>>;
  /** For tools that build a database: where its files are, so the worker can publish them. */
  publishesDatabase?(params: z.output<Schema>): PublishedDatabase;
  /** The parameter naming a database, so a failure can say "database 'x' not found". */
  databaseParam?: string;
  limits: {
    /** Largest total size of the outputs, in bytes. */
    maxOutputBytes: number;
  };
}

// Identity with type inference, so each catalog file gets its params typed from its schema.
export function defineTool<Schema extends z.ZodObject>(definition: ToolDefinition<Schema>): ToolDefinition<Schema> {
  return definition;
}

export type AnyToolDefinition = ToolDefinition<z.ZodObject>;
