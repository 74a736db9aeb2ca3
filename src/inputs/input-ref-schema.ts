// What a job's data holds for each input once the submit has resolved it. Apart from
// input-ref.ts, which resolves and checks inputs (and loads every format checker), so the job
// model's schema costs a stdio start nothing beyond zod (issue 11).
import path from 'node:path';
import { z } from 'zod';

export const InputRefSchema = z.discriminatedUnion('kind', [
  /** A real path (symlinks resolved) inside the input roots. */
  z.object({ kind: z.literal('path'), path: z.string().refine((p) => path.isAbsolute(p), { message: 'expected an absolute path' }) }),
  /** An http(s):// URL, downloaded by the worker. */
  z.object({ kind: z.literal('url'), url: z.string().regex(/^https?:\/\//, { message: 'expected an http(s):// URL' }) }),
  /** Text (FASTA, FASTQ, …) carried in the job itself. */
  z.object({ kind: z.literal('inline'), text: z.string() }),
  /** An object in our own store: an upload, a path input copied in at submit for remote workers, or another job's output. */
  z.object({ kind: z.literal('stored'), key: z.string().min(1), name: z.string() }),
  /** An object in another allowed bucket, fetched by the worker with the store's credentials. */
  z.object({ kind: z.literal('s3'), bucket: z.string().min(3), key: z.string().min(1) }),
  /** A database in the workers' databases folder, by name (hmmscan's profiles, DIAMOND's database). */
  z.object({ kind: z.literal('database'), name: z.string() }),
  /** An output of an earlier step of the same pipeline (`step:<n>/<file>`): that step's job, resolved by the worker once it has run. */
  z.object({ kind: z.literal('step'), step: z.number().int().min(0), job_id: z.string(), name: z.string() }),
]);
export type InputRef = z.infer<typeof InputRefSchema>;
