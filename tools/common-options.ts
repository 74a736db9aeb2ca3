// Parameter schemas every tool family shares: how an input file is given, a list of them, and a
// database name. Values that reach argv are constrained so no shell or option injection is
// possible even though we never use a shell.
import { z } from 'zod';

const WHERE =
  'a file path inside the configured input folders, an http(s):// URL, an upload:// reference from create_upload_url, an s3://bucket/key in an allowed bucket, job://<job_id>/<file> (an output of an earlier job)';

/** A path, a URL, an upload, another job's output or inline text; resolved and checked at submission. */
export const inputReference = (what: string, inline = 'the FASTA text itself (starting with ">")') =>
  z.string().min(1, { message: 'must not be empty' }).describe(`${what}: ${WHERE}, or ${inline}.`);

/** One or more inputs, in the order the tool should see them. */
export const inputReferenceList = (what: string, inline: string, max = 100) =>
  z
    .array(z.string().min(1, { message: 'must not be empty' }), { message: 'must be a list of inputs' })
    .min(1, { message: 'must name at least one input' })
    .max(max, { message: `must name at most ${max} inputs` })
    .describe(`${what}: a list of one or more inputs, each ${WHERE}, or ${inline}.`);

export const DATABASE_NAME_RULE = 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit (see list_databases)';

/** What a database name looks like: no "/", no leading "." or "-", so it stays a file name in one folder. */
export const DATABASE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The name of a database in the databases folder; also what new databases may be called. */
export const databaseName = z.string().regex(DATABASE_NAME, { message: DATABASE_NAME_RULE });

// "@RG\tID:x\tSM:y": bwa and minimap2 turn the two characters "\t" into tabs themselves; real
// tabs are written back as "\t" so both spellings reach the aligner the same way.
/** A SAM read group line for an aligner's option `flag` (bwa mem -R, minimap2 -R). */
export const readGroup = (flag: string) =>
  z
    .string()
    .transform((v) => v.replace(/\t/g, '\\t'))
    .refine((v) => /^@RG(\\t[A-Za-z][A-Za-z0-9]:[^\\\n\r]+)+$/.test(v) && /\\tID:[^\\]+/.test(v), {
      message: 'must be a SAM read group line such as "@RG\\tID:sample1\\tSM:sample1" (fields separated by \\t, with an ID)',
    })
    .describe(`Read group header line for every read, e.g. "@RG\\tID:run1\\tSM:patient7" (${flag}); needed by variant callers that group by sample.`);

/** For output limits. */
export const GiB = 1024 ** 3;
