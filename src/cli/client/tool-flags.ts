// `submit <tool>`'s flags, read off the tool's own parameter schema as the MCP tool's are: one
// kebab-case flag per parameter (max_target_seqs → --max-target-seqs), its value coerced from
// the command line's string by the type the schema gives, then the whole checked by the schema,
// so a new tool in tools/ gets its terminal command, with its help, for free.
import { z } from 'zod';
import { inputError } from '../../errors.js';
import type { SubmittableDefinition } from '../../mcp/catalog-tools.js';
import type { FlagKind, ParsedCommandLine } from './command-line.js';

/** How a flag's text becomes the parameter's value. */
export type ValueType = 'string' | 'number' | 'integer' | 'boolean' | 'number-or-string' | 'json';

export interface ToolFlag {
  /** Without the dashes. */
  flag: string;
  param: string;
  kind: FlagKind;
  /** Of each value, for a list. */
  type: ValueType;
  required: boolean;
  description: string;
  default: unknown;
  choices: readonly string[] | undefined;
}

type JsonSchema = {
  type?: string | string[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
};

export function flagName(param: string): string {
  return param.replace(/_/g, '-');
}

/** Every parameter of the tool as a flag, in the schema's order. */
export function toolFlags(tool: SubmittableDefinition): ToolFlag[] {
  // The input side: a default or a transform describes what the caller may send.
  const schema = z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([param, property]) => {
    const { kind, type } = shapeOf(property);
    return {
      flag: flagName(param),
      param,
      kind,
      type,
      required: required.has(param) && property.default === undefined,
      description: property.description ?? '',
      default: property.default,
      choices: property.enum?.map(String),
    };
  });
}

function shapeOf(property: JsonSchema): { kind: FlagKind; type: ValueType } {
  if (property.type === 'array') {
    const items = property.items ?? {};
    // A list of plain values repeats the flag; a list of objects (run_pipeline's steps) is JSON.
    if (items.type === 'object' || items.anyOf !== undefined) return { kind: 'value', type: 'json' };
    return { kind: 'list', type: scalarType(items) };
  }
  if (property.type === 'boolean') return { kind: 'boolean', type: 'boolean' };
  return { kind: 'value', type: scalarType(property) };
}

function scalarType(property: JsonSchema): ValueType {
  if (property.anyOf) {
    const types = new Set(property.anyOf.map((branch) => (branch.type === 'integer' ? 'number' : (branch.type ?? typeof branch.const))));
    if (types.has('number') && types.has('string')) return 'number-or-string';
    if (types.size === 1) return scalarType(property.anyOf[0]!);
    return 'json';
  }
  switch (property.type) {
    case 'string':
    case 'number':
    case 'integer':
    case 'boolean':
      return property.type;
    default:
      return 'json';
  }
}

/** The tool's parameters from its flags, coerced by type and checked by the tool's schema; errors name the flag. */
export function paramsFromFlags(tool: SubmittableDefinition, flags: readonly ToolFlag[], parsed: ParsedCommandLine): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const flag of flags) {
    const given = parsed.flags.get(flag.flag);
    if (given === undefined) continue;
    params[flag.param] = Array.isArray(given) ? given.map((v) => coerce(flag, v)) : typeof given === 'boolean' ? given : coerce(flag, given);
  }
  const checked = (tool.input as z.ZodType).safeParse(params);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const param = String(issue.path[0] ?? '');
    const flag = flags.find((f) => f.param === param);
    const name = flag ? `--${flag.flag}${issue.path.length > 1 ? `[${issue.path.slice(1).join('.')}]` : ''}` : tool.name;
    const missing = issue.code === 'invalid_type' && params[param] === undefined;
    throw inputError(name, missing ? `required (bio-mcp-queue submit ${tool.name} --help lists the flags)` : issue.message);
  }
  return params;
}

function coerce(flag: ToolFlag, text: string): unknown {
  switch (flag.type) {
    case 'number':
    case 'integer': {
      const value = text.trim() === '' ? Number.NaN : Number(text);
      if (!Number.isFinite(value)) throw inputError(`--${flag.flag}`, `expected a number, got "${text}"`);
      return value;
    }
    case 'number-or-string':
      return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
    case 'boolean':
      if (text === 'true' || text === 'false') return text === 'true';
      throw inputError(`--${flag.flag}`, `expected true or false, got "${text}"`);
    case 'json':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw inputError(`--${flag.flag}`, `expected JSON, e.g. --${flag.flag} '[{"tool": "…", "parameters": {…}}]'`);
      }
    default:
      return text;
  }
}

/** The parser's declaration of these flags. */
export function flagKinds(flags: readonly ToolFlag[]): Record<string, FlagKind> {
  return Object.fromEntries(flags.map((f) => [f.flag, f.kind]));
}
