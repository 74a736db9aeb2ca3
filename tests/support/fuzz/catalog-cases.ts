// Bad submissions for a catalog tool, from its parameter schema as a door declares it (the MCP
// tool's inputSchema, or the catalog entry's zod schema for REST): a valid base — real files
// inside the input roots for its inputs, schema-made values for the rest, checked against the
// tool's own zod schema — then either broken by the schema (schema-breaks.ts) or with one input
// replaced by a reference no server may accept (hostile-refs.ts).
import fc from 'fast-check';
import type { AnyToolDefinition, InputSpec, Residues } from '../../../tools/define-tool.js';
import type { HostileFiles } from './hostile-files.js';
import { hostileReference, type RefContext } from './hostile-refs.js';
import { setOwn, copyOwn, type JsonSchema } from './json-schema.js';
import { brokenObject } from './schema-breaks.js';
import { validObject, type FieldArbitraries } from './valid-values.js';

export interface BadSubmission {
  tool: string;
  params: Record<string, unknown>;
  /** One of these must be named by a clear answer. */
  fields: string[];
  /** How it was broken, for the failure report. */
  how: string[];
}

/** A file inside the roots of a format (and residues) the input takes: only its stat is read at submission. */
export function validFile(spec: InputSpec, files: HostileFiles['valid']): string {
  const { formats } = spec;
  if (formats.includes('fasta')) return spec.residues === 'protein' ? files.protein : files.fasta;
  if (formats.includes('fastq')) return files.fastq;
  if (formats.includes('hmm')) return files.hmm;
  return files.sam;
}

/** Valid parameters for the tool as `schema` declares them, with real files for its inputs. */
export function validParams(tool: AnyToolDefinition, schema: JsonSchema, files: HostileFiles['valid']): fc.Arbitrary<Record<string, unknown>> {
  const given: FieldArbitraries = {};
  for (const spec of tool.inputs) {
    const file = validFile(spec, files);
    given[spec.param] = spec.list ? fc.array(fc.constant(file), { minLength: 1, maxLength: 3 }) : fc.constant(file);
  }
  const own = new Set(Object.keys((tool.input as unknown as { shape: object }).shape));
  // The schema knows types and ranges; cross-field rules (hmmsearch's cutoff alone) only zod knows.
  // notify_url is left out: no value is valid everywhere (it needs an http(s) URL the schema's
  // JSON cannot describe, a public address and a server with BIO_QUEUE_NOTIFY_SECRET); its
  // breaks are still made by schema-breaks.ts, and tests/http/notify.test.ts covers it.
  return validObject(schema, given)
    .filter((params) => tool.input.safeParse(Object.fromEntries(Object.entries(params).filter(([k]) => own.has(k)))).success)
    .map(({ notify_url: _notify, ...params }) => params);
}

/** The tool's parameters broken by their schema: one or two breaks. */
export function schemaBrokenSubmission(tool: AnyToolDefinition, schema: JsonSchema, files: HostileFiles['valid']): fc.Arbitrary<BadSubmission> {
  const broken = brokenObject(schema, validParams(tool, schema, files));
  if (!broken) throw new Error(`${tool.name}: its schema allows no break`);
  return broken.map(({ value, fields, how }) => ({ tool: tool.name, params: value, fields, how }));
}

/** Valid parameters but for one input, which gets a reference no server may accept. */
export function hostileInputSubmission(tool: AnyToolDefinition, schema: JsonSchema, ctx: RefContext): fc.Arbitrary<BadSubmission> {
  return fc.tuple(validParams(tool, schema, ctx.traps.valid), fc.constantFrom(...tool.inputs), fc.nat()).chain(([base, spec, at]) => {
    const residues: Residues = typeof spec.residues === 'function' ? spec.residues(base) : (spec.residues ?? 'any');
    const ref = hostileReference({ formats: spec.formats, residues, takesDatabaseName: spec.orDatabase !== undefined }, ctx);
    return ref.map(({ value, kind }) => {
      const params = copyOwn(base);
      if (spec.list) {
        const list = [...((base[spec.param] as string[] | undefined) ?? [])];
        list.splice(at % (list.length + 1), 0, value);
        setOwn(params, spec.param, list);
      } else setOwn(params, spec.param, value);
      return { tool: tool.name, params, fields: [spec.param], how: [kind] };
    });
  });
}
