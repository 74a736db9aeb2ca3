// Everything a job's commands refer to, made ready: each input staged and checked, the cached
// indexes it needs built or found, database names turned into what the tool is given. The
// result answers the definition's RunContext questions ("where is reads_1?", "where is the bwa
// index of reference?") and the facts summaries and progress totals need.
import path from 'node:path';
import type { Config } from '../src/config.js';
import { BioQueueError, inputError } from '../src/errors.js';
import { checkInputFile } from '../src/inputs/check-input.js';
import type { InputRef } from '../src/inputs/input-ref.js';
import type { IndexUse } from '../src/jobs/job-model.js';
import type { AnyToolDefinition, DatabaseKind, IndexKind, InputFacts, InputSpec, RunContext } from '../tools/define-tool.js';
import { cachePlace, ensureIndex, inPlace, type IndexDeps } from './reference-indexes.js';
import { InputNames, stageInput, type StageDeps, type StagedInput } from './stage-inputs.js';

export interface JobInputs {
  context: RunContext;
  facts: Record<string, InputFacts>;
  /** Record ids of inputs declared with keepIds. */
  ids(param: string): readonly string[];
  /** Records (or residues) of the named inputs together: a progress total. */
  count(params: readonly string[], what: 'records' | 'residues'): number;
  indexes: IndexUse[];
  /** Environment the named databases need (BLASTDB). */
  env: Record<string, string>;
}

export interface JobInputsDeps extends StageDeps {
  config: StageDeps['config'] & Pick<Config, 'dbDir'>;
  index: Omit<IndexDeps, 'onStatus'>;
  onStatus(message: string): Promise<void>;
  threads: number;
}

export async function prepareJobInputs(
  tool: AnyToolDefinition,
  refs: Readonly<Record<string, InputRef | InputRef[]>>,
  params: Record<string, unknown>,
  workDir: string,
  deps: JobInputsDeps,
): Promise<JobInputs> {
  const staged = new Map<string, StagedInput[]>();
  const names = new InputNames();
  for (const spec of tool.inputs) {
    const ref = refs[spec.param];
    if (ref === undefined) {
      if (spec.optional) continue;
      throw inputError(spec.param, 'missing from the job');
    }
    const residues = residuesOf(spec, params);
    const list = Array.isArray(ref) ? ref : [ref];
    const items: StagedInput[] = [];
    for (const [i, item] of list.entries()) {
      const field = Array.isArray(ref) ? `${spec.param}.${i}` : spec.param;
      items.push(await stageInput(field, item, spec, residues, workDir, names, deps));
    }
    staged.set(spec.param, items);
  }
  checkMates(tool, staged);

  const indexPaths = new Map<string, string>();
  const indexes: IndexUse[] = [];
  for (const spec of tool.inputs) {
    const item = staged.get(spec.param)?.[0];
    if (!item) continue;
    // A database that already is the index (a DIAMOND .dmnd) answers index() itself: nothing to build.
    if (item.kind === 'database' && item.database.asIndex) indexPaths.set(`${spec.param}\u0000${item.database.asIndex.kind}`, item.path);
    for (const need of indexNeeds(spec, item, params)) {
      const place =
        item.kind === 'file'
          ? await cachePlace(deps.config.dbDir, item.check.sha256, item.absolute, need.index.sourceName, item.shownName)
          : inPlace(deps.config.dbDir, item.database.file!(item.name), item.name, () =>
              checkDatabaseFile(spec.param, item.database, item.name, spec, params, deps),
            );
      const ensured = await ensureIndex(place, need.index, need.variant, { ...deps.index, onStatus: deps.onStatus });
      indexPaths.set(`${spec.param}\u0000${need.index.kind}`, ensured.path);
      indexes.push({
        input: spec.param,
        kind: need.index.kind,
        variant: need.variant ?? null,
        sha256: place.sha256 ?? '',
        reused: ensured.reused,
        build_seconds: ensured.buildSeconds,
      });
    }
  }

  const env: Record<string, string> = {};
  const databasePaths = new Map<string, string>();
  for (const db of tool.databases ?? []) {
    const name = String(params[db.param]);
    databasePaths.set(db.param, db.kind.path(deps.config.dbDir, name));
    Object.assign(env, db.kind.env?.(deps.config.dbDir));
  }
  for (const items of staged.values()) {
    for (const item of items) if (item.kind === 'database') Object.assign(env, item.database.env?.(deps.config.dbDir));
  }

  const single = (param: string): StagedInput | undefined => {
    const items = staged.get(param);
    if (items && items.length > 1) throw new Error(`${tool.name}: input "${param}" is a list; use inputs()`);
    return items?.[0];
  };
  const context: RunContext = {
    input(param) {
      const database = databasePaths.get(param);
      if (database !== undefined) return database;
      const item = single(param);
      if (!item) throw new Error(`${tool.name}: no input "${param}" (is it optional? check has() first)`);
      return item.path;
    },
    inputs: (param) => (staged.get(param) ?? []).map((item) => item.path),
    has: (param) => staged.has(param) || databasePaths.has(param),
    index(param, kind: IndexKind) {
      const found = indexPaths.get(`${param}\u0000${kind.kind}`);
      if (found === undefined) throw new Error(`${tool.name}: no ${kind.kind} index of "${param}" was declared in its inputs`);
      return found;
    },
    threads: deps.threads,
  };

  const facts: Record<string, InputFacts> = {};
  for (const [param, items] of staged) {
    const files = items.flatMap((item) => (item.kind === 'file' ? [item] : []));
    if (files.length === 0) continue;
    facts[param] = {
      format: files[0]!.check.format,
      records: files.reduce((n, f) => n + f.check.records, 0),
      residues: files.reduce((n, f) => n + f.check.residues, 0),
    };
  }
  return {
    context,
    facts,
    ids: (param) => {
      const item = single(param);
      return item?.kind === 'file' ? (item.check.ids ?? []) : [];
    },
    count: (params, what) => params.reduce((n, p) => n + (facts[p]?.[what] ?? 0), 0),
    indexes,
    env,
  };
}

function residuesOf(spec: InputSpec, params: Record<string, unknown>): 'nucleotide' | 'protein' | 'any' {
  return typeof spec.residues === 'function' ? spec.residues(params) : (spec.residues ?? 'any');
}

// A database file named in place of an input is the operator's, so no job checks it; it is checked
// as that input would be before it is indexed, since an indexer may take a file cut short without
// a word (hmmpress presses the models before the cut and exits 0).
async function checkDatabaseFile(
  field: string,
  kind: DatabaseKind,
  name: string,
  spec: InputSpec,
  params: Record<string, unknown>,
  deps: Pick<JobInputsDeps, 'config' | 'signal'>,
): Promise<void> {
  const file = path.join(deps.config.dbDir, kind.file!(name));
  const expect = { formats: spec.formats, residues: residuesOf(spec, params) };
  try {
    await checkInputFile(`the ${kind.title} "${name}" in the databases folder`, file, expect, deps.signal ? { signal: deps.signal } : {});
  } catch (err) {
    if (err instanceof BioQueueError && err.code === 'input_invalid') throw inputError(field, err.message);
    throw err;
  }
}

// Paired reads come one for one. Tools given mates of different lengths do not all say so:
// fastp warns, pairs what it can and exits 0, or hangs once one file is 500 packs longer.
function checkMates(tool: AnyToolDefinition, staged: ReadonlyMap<string, StagedInput[]>): void {
  for (const spec of tool.inputs) {
    if (spec.mateOf === undefined) continue;
    const second = staged.get(spec.param)?.[0];
    const first = staged.get(spec.mateOf)?.[0];
    if (second?.kind !== 'file' || first?.kind !== 'file') continue;
    const [n, m] = [second.check.records, first.check.records];
    if (n !== m) {
      throw inputError(spec.param, `holds ${n} reads but ${spec.mateOf} holds ${m}: the two files must hold the two mates of each pair, one for one and in the same order`);
    }
  }
}

// The indexes an input needs: the definition's, or, for a database named in its place, the
// index its kind builds beside it.
function indexNeeds(spec: InputSpec, item: StagedInput, params: Record<string, unknown>): readonly { index: IndexKind; variant?: string }[] {
  if (item.kind === 'database') {
    const kind: DatabaseKind = item.database;
    return kind.index && kind.file ? [{ index: kind.index }] : [];
  }
  return spec.indexes?.(params) ?? [];
}
