// What BLAST databases a folder holds, for list_databases and doctor, read from files only (no
// blastdbcmd run per request). Three sources, best first:
//  1. `<name>.njs` / `<name>.pjs`: the JSON metadata that NCBI ships with its prebuilt databases and
//     that makeblastdb writes from BLAST+ 2.13 on. Debian 12's BLAST+ 2.12 does NOT write it.
//  2. `<name>.nal` / `<name>.pal`: an alias over volumes (makeblastdb splits large inputs into
//     `<name>.00`, `<name>.01`, …); its volumes are summed and not listed on their own.
//  3. `<name>.nin` / `<name>.pin`: the index file every database volume has (format v4 or v5),
//     whose header holds the title, date, sequence count and total letters.
import fs from 'node:fs/promises';
import path from 'node:path';

export type DbType = 'nucl' | 'prot';

export interface DatabaseInfo {
  /** What a search passes as `-db`, relative to the database folder. */
  name: string;
  dbtype: DbType;
  title: string;
  sequences: number;
  letters: number;
  /** Local time as BLAST records it, `YYYY-MM-DDTHH:MM:SS` without a zone; null when unknown. */
  created: string | null;
  /** Absolute path prefix of the database files. */
  path: string;
}

type Summary = Omit<DatabaseInfo, 'name' | 'dbtype' | 'path'> & { volumes: string[] };

const LETTER: Record<DbType, string> = { nucl: 'n', prot: 'p' };
const HEADER_BYTES = 64 * 1024;
const JSON_MAX_BYTES = 1024 * 1024;
const MAX_ALIAS_DEPTH = 4;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// Every database in dbDir, sorted by name; unreadable or corrupt ones are left out, a missing folder is empty.
export async function listDatabases(dbDir: string): Promise<DatabaseInfo[]> {
  let files: string[];
  try {
    files = await fs.readdir(dbDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw err;
  }
  const present = new Set(files);
  const found: DatabaseInfo[] = [];
  const volumes = new Set<string>();
  for (const dbtype of ['nucl', 'prot'] as const) {
    const l = LETTER[dbtype];
    const names = new Set(
      files.flatMap((f) => {
        const m = new RegExp(`^(.+)\\.${l}(js|al|in)$`).exec(f);
        return m?.[1] ? [m[1]] : [];
      }),
    );
    for (const name of names) {
      const summary = await describe(dbDir, name, dbtype, present);
      if (!summary) continue;
      // Only numbered volumes are hidden: an alias over independent databases leaves them listed.
      for (const v of summary.volumes) if (isVolumeOf(v, name)) volumes.add(`${dbtype}:${v}`);
      const { volumes: _, ...info } = summary;
      found.push({ name, dbtype, ...info, path: path.resolve(dbDir, name) });
    }
  }
  return found
    .filter((db) => !volumes.has(`${db.dbtype}:${db.name}`))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.dbtype < b.dbtype ? -1 : 1));
}

// makeblastdb names the volumes of a split database `<name>.00`, `<name>.01`, …
function isVolumeOf(volume: string, name: string): boolean {
  return volume.startsWith(`${name}.`) && /^\d+$/.test(volume.slice(name.length + 1));
}

// Whether `name` is a database in dbDir (of the given type, or either), without reading it.
export async function databaseExists(dbDir: string, name: string, dbtype?: DbType): Promise<boolean> {
  if (name === '' || name === '.' || name === '..' || /[\\/\0]/.test(name)) return false;
  const types: DbType[] = dbtype ? [dbtype] : ['nucl', 'prot'];
  for (const t of types) {
    for (const ext of ['in', 'al']) {
      const ok = await fs.stat(path.join(dbDir, `${name}.${LETTER[t]}${ext}`)).then((s) => s.isFile(), () => false);
      if (ok) return true;
    }
  }
  return false;
}

// One database's summary from the best source that parses.
async function describe(dbDir: string, name: string, dbtype: DbType, present: Set<string>): Promise<Summary | undefined> {
  const l = LETTER[dbtype];
  if (present.has(`${name}.${l}js`)) {
    const meta = await readMetadataJson(path.join(dbDir, `${name}.${l}js`), name, l);
    if (meta) return meta;
  }
  return readVolume(dbDir, name, dbtype, 0);
}

// A volume or alias by name, relative to dbDir unless absolute.
async function readVolume(dbDir: string, name: string, dbtype: DbType, depth: number): Promise<Summary | undefined> {
  const base = path.resolve(dbDir, name);
  const l = LETTER[dbtype];
  const header = await readIndexHeader(`${base}.${l}in`);
  if (header) return { ...header, volumes: [name] };
  if (depth < MAX_ALIAS_DEPTH) return readAlias(dbDir, `${base}.${l}al`, name, dbtype, depth);
  return undefined;
}

// makeblastdb's metadata JSON: "description", "number-of-sequences", "number-of-letters", "last-updated", "files".
async function readMetadataJson(file: string, name: string, l: string): Promise<Summary | undefined> {
  try {
    const handle = await fs.open(file, 'r');
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(JSON_MAX_BYTES), 0, JSON_MAX_BYTES, 0).finally(() => handle.close());
    const meta = JSON.parse(buffer.subarray(0, bytesRead).toString('utf8')) as Record<string, unknown>;
    const sequences = meta['number-of-sequences'];
    const letters = meta['number-of-letters'];
    if (!Number.isSafeInteger(sequences) || !Number.isSafeInteger(letters)) return undefined;
    const updated = meta['last-updated'];
    const files = Array.isArray(meta.files) ? meta.files.filter((f): f is string => typeof f === 'string') : [];
    const indexSuffix = `.${l}in`;
    return {
      title: typeof meta.description === 'string' ? meta.description : name,
      sequences: sequences as number,
      letters: letters as number,
      created: typeof updated === 'string' && updated.length > 0 ? updated : null,
      volumes: files.filter((f) => f.endsWith(indexSuffix)).map((f) => path.basename(f).slice(0, -indexSuffix.length)),
    };
  } catch {
    return undefined;
  }
}

// The header of a `.nin`/`.pin` index file (BLAST db format v4 or v5); undefined if absent or not one.
async function readIndexHeader(file: string): Promise<Omit<Summary, 'volumes'> | undefined> {
  let buf: Buffer;
  try {
    const handle = await fs.open(file, 'r');
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(HEADER_BYTES), 0, HEADER_BYTES, 0).finally(() => handle.close());
    buf = buffer.subarray(0, bytesRead);
  } catch {
    return undefined;
  }
  try {
    let at = 0;
    const int32 = () => {
      const v = buf.readUInt32BE(at);
      at += 4;
      return v;
    };
    const text = () => {
      const len = int32();
      if (at + len > buf.length) throw new RangeError('string past the end of the header');
      // The date is NUL-padded so the counts after it are aligned.
      const s = buf.toString('utf8', at, at + len).replace(/\0+$/, '');
      at += len;
      return s;
    };
    const version = int32();
    if (version !== 4 && version !== 5) return undefined;
    const seqType = int32();
    if (seqType !== 0 && seqType !== 1) return undefined;
    if (version === 5) int32(); // volume number
    const title = text();
    if (version === 5) text(); // LMDB file name
    const date = text();
    const sequences = int32();
    // The total length is the one little-endian field of the format.
    const letters = buf.readBigUInt64LE(at);
    if (letters > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    return { title, sequences, letters: Number(letters), created: parseBlastDate(date) };
  } catch {
    return undefined;
  }
}

// An alias file: TITLE and DBLIST lines; the volumes' counts are summed.
async function readAlias(dbDir: string, file: string, name: string, dbtype: DbType, depth: number): Promise<Summary | undefined> {
  let content: string;
  try {
    content = await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const lines = content.split(/\r?\n/);
  const value = (key: string) => lines.find((line) => line.startsWith(`${key} `))?.slice(key.length + 1).trim();
  const list = value('DBLIST')?.match(/"[^"]+"|\S+/g)?.map((v) => v.replace(/^"|"$/g, '')) ?? [];
  if (list.length === 0) return undefined;
  const parts: Summary[] = [];
  for (const volume of list) {
    if (volume === name) return undefined;
    const part = await readVolume(dbDir, volume, dbtype, depth + 1);
    if (!part) return undefined;
    parts.push(part);
  }
  return {
    title: value('TITLE') ?? parts[0]?.title ?? name,
    sequences: parts.reduce((n, p) => n + p.sequences, 0),
    letters: parts.reduce((n, p) => n + p.letters, 0),
    created: parts[0]?.created ?? null,
    volumes: list,
  };
}

// BLAST writes dates like "Nov 23, 2026  9:03 AM" (C locale); make them "2026-11-23T09:03:00".
function parseBlastDate(date: string): string | null {
  const m = /^([A-Z][a-z]{2}) +(\d{1,2}), +(\d{4}) +(\d{1,2}):(\d{2})(?::(\d{2}))? *([AP]M)?$/.exec(date.trim());
  if (!m) return null;
  const month = MONTHS.indexOf(m[1] ?? '');
  if (month < 0) return null;
  let hour = Number(m[4]);
  if (m[7] === 'PM' && hour < 12) hour += 12;
  if (m[7] === 'AM' && hour === 12) hour = 0;
  const two = (n: number | string) => String(n).padStart(2, '0');
  return `${m[3]}-${two(month + 1)}-${two(m[2] ?? '')}T${two(hour)}:${m[5]}:${m[6] ?? '00'}`;
}
