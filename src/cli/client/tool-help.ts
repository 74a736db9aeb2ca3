// `submit <tool> --help`: the tool's title and description, then each of its flags with its
// value type, choices, default and the schema's own description, wrapped for a terminal.
import type { SubmittableDefinition } from '../../mcp/catalog-tools.js';
import type { ToolFlag } from './tool-flags.js';

const WIDTH = 100;

export function toolHelp(tool: SubmittableDefinition, flags: readonly ToolFlag[], submitHelp: string, commonHelp: string): string {
  const required = flags.filter((f) => f.required).map((f) => `--${f.flag} ${placeholder(f)}`);
  const lines = [`Usage: bio-mcp-queue submit ${tool.name} ${[...required, '[flags]'].join(' ')}`, '', tool.title, ...wrap(tool.description, WIDTH, ''), '', `${tool.name} flags:`];
  for (const f of flags) {
    lines.push(`  --${f.flag} ${f.kind === 'boolean' ? '(or --no-' + f.flag + ')' : placeholder(f)}${f.required ? '  (required)' : ''}${f.kind === 'list' ? '  (repeat for more)' : ''}`);
    const notes = [f.description, f.default !== undefined ? `Default: ${JSON.stringify(f.default)}.` : ''].filter(Boolean).join(' ');
    lines.push(...wrap(notes, WIDTH, '      '));
  }
  return [...lines, '', submitHelp, '', commonHelp].join('\n');
}

function placeholder(f: ToolFlag): string {
  if (f.choices) return f.choices.join('|');
  switch (f.type) {
    case 'number':
      return 'NUMBER';
    case 'integer':
      return 'N';
    case 'number-or-string':
      return 'VALUE';
    case 'json':
      return 'JSON';
    default:
      return 'TEXT';
  }
}

function wrap(text: string, width: number, prefix: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && prefix.length + line.length + 1 + word.length > width) {
      lines.push(prefix + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(prefix + line);
  return lines;
}
