// A file the store holds, as put() returns it and link()/read() take it back. The store makes
// these, so the schema lives here; the job model (src/jobs/job-model.ts) embeds it in a
// completed job's return value.
import { z } from 'zod';

export const StoredFileSchema = z.object({
  name: z.string(),
  size_bytes: z.number(),
  sha256: z.string(),
  media_type: z.string(),
  /** Opaque outside the store that made it. */
  key: z.string(),
});
export type StoredFile = z.infer<typeof StoredFileSchema>;
