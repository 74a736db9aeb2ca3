// Everything a job can name or reuse in the databases folder, for list_databases and doctor:
// named databases of every kind the catalog knows (BLAST read from their own headers, the others
// from their files) and the reference indexes the workers cached, with what they were built from
// and their size. Read from files alone; nothing is run per request.
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { DatabaseKind } from '../../tools/define-tool.js';
import { listDatabases as listBlastDatabases } from './list-databases.js';

export const DatabaseEntrySchema = z.object({
  name: z.string().describe('What a tool takes as its database (or profiles) parameter.'),
  kind: z.string().describe('blast-nucl, blast-prot, diamond, hmm, …'),
  dbtype: z.enum(['nucl', 'prot']).optional().describe('BLAST databases: nucleotide or protein.'),
  title: z.string(),
  sequences: z.number().optional(),
  letters: z.number().optional(),
  size_bytes: z.number(),
});
export type DatabaseEntry = z.infer<typeof DatabaseEntrySchema>;

export const CachedIndexSchema = z.object({
  kind: z.string().describe('bwa, minimap2, faidx, hmmpress, diamond, …'),
  variant: z.string().describe("The index's variant, e.g. minimap2's preset.").nullable(),
  source_name: z.string().describe('The reference it was built from, as the first job that needed it named it.'),
  sha256: z.string().describe('sha256 of that reference content; null for an index beside a named database.').nullable(),
  size_bytes: z.number(),
  built_at: z.string(),
});
export type CachedIndex = z.infer<typeof CachedIndexSchema>;

export const DatabaseListSchema = z.object({ databases: z.array(DatabaseEntrySchema), indexes: z.array(CachedIndexSchema) });
export type DatabaseList = z.infer<typeof DatabaseListSchema>;

/** The folder of the databases folder where workers cache reference indexes, one folder per content sha256. */
export const INDEXES_DIR = 'indexes';
const MARKER = /\.index\.json$/;
const BLAST_KINDS: Record<string, 'nucl' | 'prot'> = { 'blast-nucl': 'nucl', 'blast-prot': 'prot' };

export async function listDatabaseCatalog(dbDir: string, kinds: readonly DatabaseKind[]): Promise<DatabaseList> {
  const files = await fs.readdir(dbDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return [] as string[]; // no folder yet: nothing in it
    throw err;
  });
  const databases: DatabaseEntry[] = [];
  const sizeOf = async (name: string) => {
    let size = 0;
    // A file removed meanwhile counts for nothing.
    for (const f of files) if (f.startsWith(`${name}.`)) size += (await fs.stat(path.join(dbDir, f)).catch(() => undefined))?.size ?? 0;
    return size;
  };
  if (kinds.some((k) => k.kind in BLAST_KINDS)) {
    for (const db of await listBlastDatabases(dbDir)) {
      const kind = db.dbtype === 'nucl' ? 'blast-nucl' : 'blast-prot';
      if (!kinds.some((k) => k.kind === kind)) continue;
      databases.push({ name: db.name, kind, dbtype: db.dbtype, title: db.title, sequences: db.sequences, letters: db.letters, size_bytes: await sizeOf(db.name) });
    }
  }
  for (const kind of kinds) {
    if (kind.kind in BLAST_KINDS) continue;
    const names = new Set(files.flatMap((f) => kind.markers.filter((m) => f.endsWith(m) && f.length > m.length).map((m) => f.slice(0, -m.length))));
    for (const name of names) databases.push({ name, kind: kind.kind, title: kind.title, size_bytes: await sizeOf(name) });
  }
  databases.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.kind < b.kind ? -1 : 1));
  return { databases, indexes: await listCachedIndexes(dbDir, files) };
}

// The markers the workers write last when an index is complete: in indexes/<sha256>/, and hidden
// beside the databases indexed in place.
async function listCachedIndexes(dbDir: string, files: readonly string[]): Promise<CachedIndex[]> {
  const markers = files.filter((f) => f.startsWith('.') && MARKER.test(f)).map((f) => path.join(dbDir, f));
  const cache = path.join(dbDir, INDEXES_DIR);
  // No cache yet, or an entry being written or removed meanwhile: nothing to list there.
  for (const entry of await fs.readdir(cache).catch(() => [] as string[])) {
    for (const f of await fs.readdir(path.join(cache, entry)).catch(() => [] as string[])) if (MARKER.test(f)) markers.push(path.join(cache, entry, f));
  }
  const indexes: CachedIndex[] = [];
  for (const file of markers) {
    const marker = await readMarker(file);
    if (marker) indexes.push(marker);
  }
  return indexes.sort((a, b) => (a.source_name < b.source_name ? -1 : a.source_name > b.source_name ? 1 : a.kind < b.kind ? -1 : 1));
}

async function readMarker(file: string): Promise<CachedIndex | undefined> {
  try {
    // The marker holds more (files, build time); the schema keeps what a listing shows.
    const parsed = CachedIndexSchema.safeParse(JSON.parse(await fs.readFile(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // unreadable or half-written: left out, as a corrupt database is
  }
}
