// The catalog: every tool the queue can run. Adapters, the worker and the docs loop over it;
// adding a tool is adding a file and a line here.
import type { AnyToolDefinition } from './define-tool.js';
import { blastn } from './blastn.js';
import { blastp } from './blastp.js';
import { blastx } from './blastx.js';
import { tblastn } from './tblastn.js';
import { tblastx } from './tblastx.js';
import { makeBlastDb } from './make-blast-db.js';

export const catalog: readonly AnyToolDefinition[] = Object.freeze([
  blastn,
  blastp,
  blastx,
  tblastn,
  tblastx,
  makeBlastDb as unknown as AnyToolDefinition,
]);

export function findTool(name: string): AnyToolDefinition | undefined {
  return catalog.find((tool) => tool.name === name);
}
