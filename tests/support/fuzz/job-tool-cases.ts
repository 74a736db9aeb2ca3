// Bad calls of the MCP tools about jobs (get_job_status, wait_for_job, list_jobs, …), from the
// inputSchema each declares: broken by the schema, or well-formed but naming a job that does
// not exist (any string, traversal and unicode included) or a list cursor this server never gave.
import fc from 'fast-check';
import type { Blame } from './verdicts.js';
import { copyOwn, setOwn, type JsonSchema } from './json-schema.js';
import { brokenObject } from './schema-breaks.js';
import { validObject } from './valid-values.js';

export interface BadJobCall {
  tool: string;
  args: Record<string, unknown>;
  blame: Blame;
  how: string[];
}

/** A job id no job has: any string the schema takes, including well-formed ids never issued. */
export function unknownJobId(schema: JsonSchema): fc.Arbitrary<string> {
  const max = schema.maxLength ?? 100;
  return fc
    .oneof(
      fc.string({ minLength: 1, maxLength: max }),
      fc.string({ unit: 'binary', minLength: 1, maxLength: max }),
      fc.constantFrom('../../etc/passwd', '/proc/self/environ', 'blast-0000000000000000', 'align-zzzzzzzzzzzzzzzz', 'blast-', '__proto__', 'constructor', '*', '%', '\u0000', '😀', 'blast-k3j9x2m1q8zt:1'),
      fc.stringMatching(/^[a-z]{1,8}-[0-9a-z]{16}$/),
    )
    .filter((id) => id.length <= max);
}

// Cursors that do not decode to "<score>:<id>" (list-jobs.ts), so no page can follow them.
const FOREIGN_CURSORS = ['%%%%', '....', '!', 'not-a-cursor', 'eyJ9', '\u0000', '😀', 'AAAA'];

/** Bad calls of one job tool; undefined when its schema takes anything (no arguments at all). */
export function badJobCalls(tool: string, schema: JsonSchema): fc.Arbitrary<BadJobCall> | undefined {
  const props = schema.properties ?? {};
  const jobId = props.job_id ? unknownJobId(props.job_id) : undefined;
  const base = validObject(schema, jobId ? { job_id: jobId } : {});
  const broken = brokenObject(schema, base)?.map(({ value, fields, how }) => ({ tool, args: value, blame: { fields }, how }));
  const kinds: fc.Arbitrary<BadJobCall>[] = broken ? [broken] : [];
  if (jobId) {
    kinds.push(base.map((args) => ({ tool, args, blame: { fields: ['job_id'], jobId: args.job_id as string }, how: ['unknown job'] })));
  }
  if (props.cursor) {
    kinds.push(
      fc.tuple(base, fc.constantFrom(...FOREIGN_CURSORS)).map(([valid, cursor]) => {
        const args = copyOwn(valid);
        setOwn(args, 'cursor', cursor);
        return { tool, args, blame: { fields: ['cursor'] }, how: ['foreign cursor'] };
      }),
    );
  }
  return kinds.length === 0 ? undefined : fc.oneof(...kinds);
}
