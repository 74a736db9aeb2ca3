// The flag parser of the terminal commands (submit, status, result, cancel, jobs, queues). Their
// flags are declared per command — submit's come from the tool's schema — so an unknown flag,
// a missing value or a flag given twice fails at once, naming the flag, with exit 2.
import { inputError } from '../../errors.js';

/** boolean: --x, --no-x, --x=true|false; value: --x V or --x=V, once; list: a value, repeatable. */
export type FlagKind = 'boolean' | 'value' | 'list';

export type FlagValue = boolean | string | string[];

export interface ParsedCommandLine {
  /** By flag name without the dashes, only the flags given. */
  flags: Map<string, FlagValue>;
  positionals: string[];
}

/** `helpHint` ends the message of an unknown flag: where the flags are listed. */
export function parseCommandLine(args: readonly string[], specs: Readonly<Record<string, FlagKind>>, helpHint: string): ParsedCommandLine {
  const flags = new Map<string, FlagValue>();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg === '-h') {
      flags.set('help', true);
      continue;
    }
    if (!arg.startsWith('--') || arg === '-') {
      if (arg.startsWith('-') && arg !== '-') throw inputError(arg, `not a flag; flags are spelled --name (${helpHint})`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    const negated = name.startsWith('no-') && specs[name] === undefined && specs[name.slice(3)] === 'boolean' ? name.slice(3) : undefined;
    const key = negated ?? name;
    const kind = specs[key];
    if (kind === undefined) {
      const snake = name.includes('_') && specs[name.replace(/_/g, '-')] !== undefined ? ` (did you mean --${name.replace(/_/g, '-')}?)` : '';
      throw inputError(`--${name}`, `unknown flag${snake}; ${helpHint}`);
    }
    if (kind === 'boolean') {
      if (negated !== undefined && inline !== undefined) throw inputError(`--${name}`, 'takes no value');
      flags.set(key, negated !== undefined ? false : parseBoolean(key, inline));
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= args.length) throw inputError(`--${key}`, 'needs a value');
      value = args[++i]!;
    }
    if (kind === 'list') {
      const list = (flags.get(key) as string[] | undefined) ?? [];
      flags.set(key, [...list, value]);
    } else {
      if (flags.has(key)) throw inputError(`--${key}`, 'given twice');
      flags.set(key, value);
    }
  }
  return { flags, positionals };
}

function parseBoolean(name: string, value: string | undefined): boolean {
  if (value === undefined || value === 'true') return true;
  if (value === 'false') return false;
  throw inputError(`--${name}`, `expected true or false, got "${value}"`);
}

/** A flag's value as given, or undefined; the kind was checked by the parser. */
export function stringFlag(parsed: ParsedCommandLine, name: string): string | undefined {
  const value = parsed.flags.get(name);
  return typeof value === 'string' ? value : undefined;
}

export function booleanFlag(parsed: ParsedCommandLine, name: string): boolean {
  return parsed.flags.get(name) === true;
}

/** A whole-number flag from min to max, or undefined when not given. */
export function wholeNumberFlag(parsed: ParsedCommandLine, name: string, min: number, max: number): number | undefined {
  const raw = stringFlag(parsed, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) throw inputError(`--${name}`, `expected a whole number from ${min} to ${max}, got "${raw}"`);
  return value;
}
