// submit's flags as data: every tool and pipeline of the catalog gets one flag per parameter
// from its schema, none clashing with the command's own flags, and values from the command line
// coerced by the schema's types and checked by it, errors naming the flag.
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/cli/client/command-line.js';
import { COMMON_FLAGS } from '../../src/cli/client/connection.js';
import { inputParams } from '../../src/cli/client/local-inputs.js';
import { flagKinds, paramsFromFlags, toolFlags } from '../../src/cli/client/tool-flags.js';
import { SUBMIT_FLAGS } from '../../src/cli/submit-command.js';
import { catalog, findTool } from '../../tools/index.js';
import { findPipeline, pipelines } from '../../tools/pipelines.js';

function params(name: string, args: string[]) {
  const tool = findTool(name) ?? findPipeline(name)!;
  const flags = toolFlags(tool);
  return paramsFromFlags(tool, flags, parseCommandLine(args, flagKinds(flags), 'help'));
}

describe('submit flags from the catalog', () => {
  it('gives every tool and pipeline a flag per parameter, described, none clashing with the command\'s own', () => {
    for (const tool of [...catalog, ...pipelines]) {
      const flags = toolFlags(tool);
      expect(flags.map((f) => f.param).sort(), tool.name).toEqual(Object.keys(tool.input.shape).sort());
      for (const f of flags) {
        expect(f.flag, tool.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
        expect(f.description.length, `${tool.name} --${f.flag}`).toBeGreaterThan(10);
        expect(Object.keys({ ...COMMON_FLAGS, ...SUBMIT_FLAGS }), `${tool.name} --${f.flag}`).not.toContain(f.flag);
      }
    }
  });

  it('coerces each value by the schema\'s type: numbers, booleans, choices, unions, repeated lists and JSON', () => {
    expect(params('blastn', ['--query', 'q.fa', '--database', 'db', '--evalue', '1e-5', '--max-target-seqs', '10', '--split', 'auto'])).toEqual({
      query: 'q.fa',
      database: 'db',
      evalue: 1e-5,
      max_target_seqs: 10,
      split: 'auto',
    });
    expect(params('blastn', ['--query', 'q.fa', '--database', 'db', '--split', '4']).split).toBe(4);
    expect(params('make_blast_db', ['--input', 'a.fa', '--name', 'n', '--dbtype', 'prot', '--no-parse-seqids']).parse_seqids).toBe(false);
    expect(params('seqkit_stats', ['--sequences', 'a.fa', '--sequences', 'b.fq']).sequences).toEqual(['a.fa', 'b.fq']);
    const steps = [{ tool: 'samtools_flagstat', parameters: { alignments: 'x.bam' } }];
    expect(params('run_pipeline', ['--steps', JSON.stringify(steps)]).steps).toEqual(steps);
  });

  it('names the flag at fault', () => {
    expect(() => params('blastn', ['--query', 'q.fa', '--database', 'db', '--task', 'fast'])).toThrow('--task: must be one of "megablast", "dc-megablast", "blastn", "blastn-short"');
    expect(() => params('blastn', ['--query', 'q.fa'])).toThrow('--database: required (bio-mcp-queue submit blastn --help lists the flags)');
    expect(() => params('blastn', ['--query', 'q.fa', '--database', 'db', '--word-size', '4.5'])).toThrow('--word-size: must be a whole number');
    expect(() => params('blastn', ['--query', 'q.fa', '--query', 'r.fa'])).toThrow('--query: given twice');
    expect(() => params('blastn', ['--query'])).toThrow('--query: needs a value');
    expect(() => params('run_pipeline', ['--steps', '[oops'])).toThrow('--steps: expected JSON');
  });

  it('knows which parameters name input files: a tool\'s declared inputs, a pipeline\'s handed to its steps\' inputs', () => {
    expect([...inputParams(findTool('blastn')!)]).toEqual(['query']);
    expect([...inputParams(findTool('bwa_mem')!)].sort()).toEqual(['reads_1', 'reads_2', 'reference']);
    expect([...inputParams(findPipeline('align_and_call_variants')!)].sort()).toEqual(['reads_1', 'reads_2', 'reference']);
    expect([...inputParams(findPipeline('run_pipeline')!)]).toEqual([]);
  });
});
