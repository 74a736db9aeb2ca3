// Bad REST requests beyond a submission's parameters: bodies that are not a JSON object of the
// request (broken JSON, other JSON values, other content types, too large, deeply nested, bytes
// that are not UTF-8), list queries broken by ListQuerySchema, and job routes naming jobs that do
// not exist. Each body mutation starts from a submission that is itself bad, so a body the
// server does parse is still refused, for the inner fault.
import fc from 'fast-check';
import type { BadSubmission } from './catalog-cases.js';
import { HOSTILE_KEYS, TRICKY_STRINGS } from './schema-breaks.js';
import type { JsonSchema } from './json-schema.js';
import { unknownJobId } from './job-tool-cases.js';

export interface BadBody {
  body: string | Uint8Array;
  contentType: string | undefined;
  fields: string[];
  how: string;
}

/** How every submitText starts. */
const TYPE_KEY = '{"job_type":"';

/** The submit request of a bad submission, as JSON text (priority left to its default). */
export function submitText(bad: BadSubmission): string {
  return JSON.stringify({ job_type: bad.tool, parameters: bad.params });
}

/** A body the server cannot take as a submit request, built from a bad submission. */
export function badBody(submissions: fc.Arbitrary<BadSubmission>, maxBodyBytes: number): fc.Arbitrary<BadBody> {
  const json = 'application/json';
  return fc.tuple(submissions, fc.nat(), fc.integer({ min: 1, max: 100_000 })).chain(([bad, at, depth]) => {
    const text = submitText(bad);
    const inner = ['body', ...bad.fields];
    const cut = 1 + (at % (text.length - 1));
    // contentType null: no Content-Type header at all.
    const body = (how: string, content: () => string | Uint8Array, fields = ['body'], contentType: string | null = json) => ({ how, content, fields, contentType });
    // Built only when chosen: two of them are large.
    const kinds = [
      body('truncated JSON', () => text.slice(0, cut)),
      body('trailing garbage', () => `${text}}`),
      body('single quotes', () => text.replace(/"/g, "'")),
      body('NaN', () => text.replace(/^\{/, '{"x":NaN,')),
      body('a comment', () => text.replace(/^\{/, '{/* hi */')),
      body('a JavaScript object', () => text.replace(/"(\w+)":/g, '$1:')),
      // body-parser reads an empty body as {}.
      body('empty', () => '', ['body', 'job_type', 'parameters']),
      body('JSON null', () => 'null'),
      body('a JSON number', () => '1e999'),
      body('a JSON string', () => '"blastn"'),
      body('a JSON array', () => `[${text}]`),
      body('an empty object', () => '{}', ['body', 'job_type', 'parameters']),
      body('a byte-order mark', () => `\ufeff${text}`, inner),
      body('starting with bytes that are not UTF-8', () => Buffer.concat([Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from(text)])),
      // Decoded with replacement characters, so the tool's name is one no tool has.
      // The parameters' own fault may be named first, as for a duplicate key.
      body('with bytes that are not UTF-8 in the tool name', () => Buffer.concat([Buffer.from(TYPE_KEY), Buffer.from([0xff, 0xfe]), Buffer.from(text.slice(TYPE_KEY.length))]), ['body', 'job_type', ...inner]),
      body('deeply nested', () => `{"job_type":"${bad.tool}","parameters":${'['.repeat(depth)}${']'.repeat(depth)}}`, ['body', 'parameters']),
      // The last of two keys wins; the parameters' own fault may be named first.
      body('a duplicate key', () => text.replace(/\}$/, ',"job_type":"no_such_tool"}'), [...inner, 'job_type']),
      body('too large', () => `{"job_type":"${bad.tool}","parameters":{"query":">q\\n${'A'.repeat(maxBodyBytes)}"}}`),
      body('as text/plain', () => text, ['body'], 'text/plain'),
      body('as a form', () => text, ['body'], 'application/x-www-form-urlencoded'),
      // Bytes, so fetch adds no text/plain of its own.
      body('without a content type', () => Buffer.from(text), ['body'], null),
      body('as APPLICATION/JSON', () => text, inner, 'APPLICATION/JSON'),
    ];
    return fc.constantFrom(...kinds).map((k): BadBody => ({ body: k.content(), contentType: k.contentType ?? undefined, fields: k.fields, how: k.how }));
  });
}

export interface BadQuery {
  query: string;
  fields: string[];
  how: string;
}

// A query string is UTF-8, percent-encoded: a lone surrogate (one of the tricky strings) has no
// encoding at all, so it is sent as the replacement character a browser would send.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const enc = (value: string) => encodeURIComponent(value.replace(LONE_SURROGATE, '\uFFFD'));

/** Query strings for GET /jobs broken by the list query's JSON Schema (its values all arrive as text). */
export function badListQuery(schema: JsonSchema): fc.Arbitrary<BadQuery> {
  const props = schema.properties ?? {};
  const kinds: fc.Arbitrary<BadQuery>[] = [];
  kinds.push(
    fc
      .tuple(fc.oneof(fc.constantFrom(...HOSTILE_KEYS, 'limit[]', 'status[]', 'Status', 'page'), fc.string({ maxLength: 10 })), fc.string({ maxLength: 10 }))
      .filter(([key]) => !Object.hasOwn(props, key))
      .map(([key, value]) => ({ query: `${enc(key)}=${enc(value)}`, fields: [key.replace(/\[\]$/, '')], how: 'unknown parameter' })),
  );
  for (const [name, field] of Object.entries(props)) {
    const query = (how: string, values: fc.Arbitrary<string>) => kinds.push(values.map((v) => ({ query: `${name}=${enc(v)}`, fields: [name], how })));
    kinds.push(fc.constant({ query: `${name}=a&${name}=b`, fields: [name], how: 'repeated' }));
    if (field.enum) query('not in enum', fc.oneof(fc.string(), fc.constantFrom(...TRICKY_STRINGS)).filter((v) => !field.enum!.includes(v)));
    if (field.maxLength !== undefined) query('too long', fc.integer({ min: field.maxLength + 1, max: field.maxLength + 5000 }).map((n) => 'q'.repeat(n)));
    if (field.type === 'number' || field.type === 'integer') {
      // Coerced with Number(): refused unless that gives a whole number in range.
      const inRange = (s: string) => {
        const n = Number(s);
        return Number.isInteger(n) && n >= (field.minimum ?? -Infinity) && n <= (field.maximum ?? Infinity);
      };
      query('not a number in range', fc.oneof(fc.string(), fc.constantFrom(...TRICKY_STRINGS), fc.integer().map(String), fc.double().map(String)).filter((s) => !inRange(s)));
    }
    if (name === 'cursor') query('foreign cursor', fc.constantFrom('%%%%', '....', 'not-a-cursor', 'eyJ9', 'AAAA'));
  }
  return fc.oneof(...kinds);
}

/** A job route (status, result, events, cancel) naming a job that does not exist. */
export function unknownJobRoute(): fc.Arbitrary<{ method: string; path: string; jobId: string }> {
  return fc
    .tuple(unknownJobId({ maxLength: 100 }).filter((id) => id !== '.' && id !== '..'), fc.constantFrom(['GET', 'status'], ['GET', 'result'], ['DELETE', '']))
    .map(([jobId, [method, tail]]) => ({ method: method!, path: `/jobs/${enc(jobId)}${tail ? `/${tail}` : ''}`, jobId }));
}
