// The catalog: every tool the queue can run. Adapters, the worker and the docs loop over it;
// adding a tool is adding a file and a line here. Queue names and database kinds are read off
// the entries, so a new family brings its own.
import type { AnyToolDefinition, BinarySpec, DatabaseKind } from './define-tool.js';
import { PIPELINE_QUEUE } from './define-pipeline.js';
import { blastn } from './blastn.js';
import { blastp } from './blastp.js';
import { blastx } from './blastx.js';
import { tblastn } from './tblastn.js';
import { tblastx } from './tblastx.js';
import { makeBlastDb } from './make-blast-db.js';
import { bwaMem } from './bwa-mem.js';
import { diamondMakedb } from './diamond-makedb.js';
import { diamondBlastp } from './diamond-blastp.js';
import { diamondBlastx } from './diamond-blastx.js';
import { minimap2 } from './minimap2.js';
import { samtoolsSort } from './samtools-sort.js';
import { samtoolsFlagstat } from './samtools-flagstat.js';
import { samtoolsStats } from './samtools-stats.js';
import { samtoolsView } from './samtools-view.js';
import { bcftoolsCall } from './bcftools-call.js';
import { fastp } from './fastp.js';
import { seqkitStats } from './seqkit-stats.js';
import { mafft } from './mafft.js';
import { hmmsearch } from './hmmsearch.js';
import { hmmscan } from './hmmscan.js';

export const catalog: readonly AnyToolDefinition[] = Object.freeze([
  // blast
  blastn,
  blastp,
  blastx,
  tblastn,
  tblastx,
  makeBlastDb,
  diamondMakedb,
  diamondBlastp,
  diamondBlastx,
  // align
  bwaMem,
  minimap2,
  samtoolsSort,
  samtoolsFlagstat,
  samtoolsStats,
  samtoolsView,
  // variant
  bcftoolsCall,
  // qc
  fastp,
  seqkitStats,
  // msa
  mafft,
  // hmm
  hmmsearch,
  hmmscan,
]);

export function findTool(name: string): AnyToolDefinition | undefined {
  return catalog.find((tool) => tool.name === name);
}

/** The queue families, in catalog order: one BullMQ queue each, one worker service each in compose. */
export const QUEUE_NAMES: readonly string[] = Object.freeze([...new Set(catalog.map((tool) => tool.queue))]);

/** Every queue a job may be on: the families, and the pipelines' own (their steps run on the families'). */
export const JOB_QUEUE_NAMES: readonly string[] = Object.freeze([...QUEUE_NAMES, PIPELINE_QUEUE]);

/** Every kind of named database some tool reads, may read, or builds. */
export function databaseKinds(tools: readonly AnyToolDefinition[] = catalog): DatabaseKind[] {
  const kinds = new Map<string, DatabaseKind>();
  for (const tool of tools) {
    for (const db of tool.databases ?? []) kinds.set(db.kind.kind, db.kind);
    for (const input of tool.inputs) if (input.orDatabase) kinds.set(input.orDatabase.kind, input.orDatabase);
  }
  return [...kinds.values()];
}

/** Every executable some tool runs (its steps and its index builds), once each, in catalog order. */
export function catalogBinaries(tools: readonly AnyToolDefinition[] = catalog): BinarySpec[] {
  const binaries = new Map<string, BinarySpec>();
  for (const tool of tools) for (const binary of tool.binaries) if (!binaries.has(binary.name)) binaries.set(binary.name, binary);
  return [...binaries.values()];
}
