// Reads docker-compose.yml for its test. No YAML package is installed and `docker compose` is not
// on the development machines, so the compose file keeps to a small subset of YAML that this
// reads exactly: block mappings, block sequences of scalars, flow sequences of scalars, quoted
// and plain scalars, comments, and one kind of reuse: an anchor on a block mapping (`x-worker:
// &worker`) merged into another with `<<: *worker` (its own keys win, as in YAML and compose).
// Anything else (other anchors and aliases, multi-line strings, flow mappings, tabs) is refused
// with the line number, so the file cannot drift into YAML this reads wrongly.

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  no: number;
  indent: number;
  text: string;
}

interface Cursor {
  lines: Line[];
  at: number;
  /** Block mappings named with "&name", for "<<: *name". */
  anchors: Map<string, { [key: string]: YamlValue }>;
}

export class YamlSubsetError extends Error {
  constructor(line: number, problem: string) {
    super(`docker-compose.yml line ${line}: ${problem} (the compose test reads a simple YAML subset; see tests/support/compose-yaml.ts)`);
    this.name = 'YamlSubsetError';
  }
}

// The line without a trailing comment; a "#" inside quotes, or not after a space, is text.
function stripComment(text: string): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) return text.slice(0, i);
  }
  return text;
}

// The meaningful lines with their indentation; blank and comment-only lines dropped.
function toLines(source: string): Line[] {
  const lines: Line[] = [];
  source.split(/\r?\n/).forEach((raw, index) => {
    const no = index + 1;
    if (/^\s*\t/.test(raw)) throw new YamlSubsetError(no, 'tab in indentation');
    const text = stripComment(raw).trimEnd();
    if (text.trim() === '') return;
    if (text.trim() === '---' || text.trim() === '...') throw new YamlSubsetError(no, 'document markers are not supported');
    lines.push({ no, indent: text.length - text.trimStart().length, text: text.trimStart() });
  });
  return lines;
}

// One scalar: "double" (JSON escapes), 'single', or plain (integers and true/false typed, as YAML 1.2 core does).
function parseScalar(text: string, line: number): YamlValue {
  if (text.startsWith('"')) {
    if (!/^"(?:[^"\\]|\\.)*"$/.test(text)) throw new YamlSubsetError(line, `unterminated or trailing text after a quoted string: ${text}`);
    return JSON.parse(text) as string;
  }
  if (text.startsWith("'")) {
    const m = /^'((?:[^']|'')*)'$/.exec(text);
    if (!m) throw new YamlSubsetError(line, `unterminated or trailing text after a quoted string: ${text}`);
    return m[1]!.replace(/''/g, "'");
  }
  if (/^[{&*|>!%@`]/.test(text)) throw new YamlSubsetError(line, `"${text[0]}" at the start of a value is not supported: ${text}`);
  if (/^-?\d+$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === 'null' || text === '~') return null;
  return text;
}

// A value written on the key's own line: a scalar or a one-line flow sequence of scalars.
function parseInline(text: string, line: number): YamlValue {
  if (!text.startsWith('[')) return parseScalar(text, line);
  if (!text.endsWith(']')) throw new YamlSubsetError(line, `a flow sequence must open and close on one line: ${text}`);
  const inner = text.slice(1, -1).trim();
  if (inner === '') return [];
  const items: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') throw new YamlSubsetError(line, `nested flow collections are not supported: ${text}`);
    else if (c === ',') {
      items.push(inner.slice(start, i).trim());
      start = i + 1;
    }
  }
  items.push(inner.slice(start).trim());
  return items.map((item) => parseScalar(item, line));
}

// A block (mapping or sequence) whose lines are indented exactly `indent`.
function parseBlock(cursor: Cursor, indent: number): YamlValue {
  const first = cursor.lines[cursor.at]!;
  return first.text === '-' || first.text.startsWith('- ') ? parseSequence(cursor, indent) : parseMapping(cursor, indent);
}

function parseMapping(cursor: Cursor, indent: number): { [key: string]: YamlValue } {
  const out: { [key: string]: YamlValue } = {};
  const merged: { [key: string]: YamlValue }[] = [];
  for (let line = cursor.lines[cursor.at]; line && line.indent >= indent; line = cursor.lines[cursor.at]) {
    if (line.indent > indent) throw new YamlSubsetError(line.no, 'unexpected indentation');
    const merge = /^<<:\s+\*([A-Za-z0-9_-]+)$/.exec(line.text);
    if (merge) {
      const anchored = cursor.anchors.get(merge[1]!);
      if (!anchored) throw new YamlSubsetError(line.no, `no anchor "&${merge[1]}" before this merge`);
      merged.push(anchored);
      cursor.at++;
      continue;
    }
    const m = /^([A-Za-z0-9_.-]+):(?:\s+(.*))?$/.exec(line.text);
    if (!m) throw new YamlSubsetError(line.no, `expected "key: value" or "key:", got: ${line.text}`);
    const key = m[1]!;
    if (Object.hasOwn(out, key)) throw new YamlSubsetError(line.no, `duplicate key "${key}"`);
    cursor.at++;
    const anchor = /^&([A-Za-z0-9_-]+)$/.exec(m[2] ?? '');
    if (m[2] !== undefined && !anchor) {
      out[key] = parseInline(m[2], line.no);
      continue;
    }
    const next = cursor.lines[cursor.at];
    out[key] = next && next.indent > indent ? parseBlock(cursor, next.indent) : null;
    if (anchor) {
      const value = out[key];
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new YamlSubsetError(line.no, 'an anchor must name a block mapping');
      cursor.anchors.set(anchor[1]!, value);
    }
  }
  // Merged keys fill in what the mapping does not say itself; a copy, so services never share one object.
  for (const source of merged) {
    for (const [key, value] of Object.entries(structuredClone(source))) if (!Object.hasOwn(out, key)) out[key] = value;
  }
  return out;
}

function parseSequence(cursor: Cursor, indent: number): YamlValue[] {
  const out: YamlValue[] = [];
  for (let line = cursor.lines[cursor.at]; line && line.indent >= indent; line = cursor.lines[cursor.at]) {
    if (line.indent > indent) throw new YamlSubsetError(line.no, 'unexpected indentation');
    if (!line.text.startsWith('- ')) throw new YamlSubsetError(line.no, `expected "- item", got: ${line.text}`);
    const item = line.text.slice(2).trim();
    if (/^[A-Za-z0-9_.-]+:(\s|$)/.test(item)) throw new YamlSubsetError(line.no, 'mappings inside sequences are not supported');
    out.push(parseInline(item, line.no));
    cursor.at++;
  }
  return out;
}

// The document as plain data; throws YamlSubsetError, naming the line, on YAML outside the subset.
export function parseComposeYaml(source: string): YamlValue {
  const lines = toLines(source);
  if (lines.length === 0) return null;
  const cursor: Cursor = { lines, at: 0, anchors: new Map() };
  const value = parseBlock(cursor, lines[0]!.indent);
  const rest = lines[cursor.at];
  if (rest) throw new YamlSubsetError(rest.no, 'unexpected indentation');
  return value;
}
