// Deliberately broken arguments, read off a JSON Schema: for each field, every way its own
// schema says it can be wrong (a missing required field, a value of another type, a number out
// of its range or not whole, a string outside its enum, its pattern or its length, a list of too
// few or too many items or with a bad item) and, where the object takes no other keys, a key it
// does not know (prototype-pollution names first). Each break alone makes the object invalid
// by the schema, so a server that accepts one has a finding, not a lucky guess.
import fc from 'fast-check';
import { acceptedTypes, copyOwn, patternOf, setOwn, type JsonSchema, type JsonType } from './json-schema.js';
import { validValue } from './valid-values.js';

/** One way to break an object: which field, how, and the value it gets (absent: removed). */
export interface Break {
  field: string;
  how: string;
  remove?: true;
  value?: unknown;
}

/** A broken object, with the fields whose breaks a clear answer must name (one of them). */
export interface BrokenObject {
  value: Record<string, unknown>;
  fields: string[];
  how: string[];
}

/** Keys an object should never take quietly: JavaScript's own, then look-alikes of real ones. */
export const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineSetter__', 'then', '$where', 'a.b', '0', '', ' '];

/** Strings that mean something to some parser: numbers in disguise, paths, shell, control and unicode. */
export const TRICKY_STRINGS = [
  'NaN', 'Infinity', '-Infinity', '1e999', '-0', '0x10', '1_000', ' 5 ', 'null', 'true', '[]', '{}', '',
  '../../../etc/passwd', '/proc/self/environ', '-rf', '--help', '$(id)', '`id`', 'a;b', 'a|b', 'a b', 'a\tb', 'a\nb', 'a\r\nb',
  '\u0000', 'a\u0000b', '\u001b[31m', '\u202e', '\u200b', '\ufeff', '\ud800', '😀', 'Ω≈ç√', '%00', '%2e%2e%2f', '${jndi:ldap://x}',
];

const json = fc.jsonValue({ maxDepth: 2 });

const byType: Record<JsonType, fc.Arbitrary<unknown>> = {
  string: fc.oneof(fc.string(), fc.constantFrom(...TRICKY_STRINGS)),
  integer: fc.oneof(fc.integer(), fc.constantFrom(0, -1, 2 ** 53 + 2, -(2 ** 53) - 2, 1e21, 1e308)),
  number: fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
  boolean: fc.boolean(),
  null: fc.constant(null),
  array: fc.array(json, { maxLength: 3 }),
  object: fc.oneof(
    fc.dictionary(fc.string({ maxLength: 8 }), json, { maxKeys: 3 }),
    fc.constantFrom(...HOSTILE_KEYS.slice(0, 4)).map((key) => {
      const o: Record<string, unknown> = {};
      setOwn(o, key, { polluted: true });
      return o;
    }),
  ),
};

/** Values of a JSON type the field does not take. */
export function wrongType(schema: JsonSchema): fc.Arbitrary<unknown> | undefined {
  const accepted = acceptedTypes(schema);
  const wrong = (Object.keys(byType) as JsonType[]).filter((t) => !accepted.has(t));
  return wrong.length === 0 ? undefined : fc.oneof(...wrong.map((t) => byType[t]));
}

/** Every break of one field its schema allows; `required` adds its removal. */
export function fieldBreaks(field: string, schema: JsonSchema, required: boolean): fc.Arbitrary<Break>[] {
  const breaks: fc.Arbitrary<Break>[] = [];
  const set = (how: string, arb: fc.Arbitrary<unknown>) => breaks.push(arb.map((value) => ({ field, how, value })));
  if (required) breaks.push(fc.constant({ field, how: 'missing', remove: true }));
  const other = wrongType(schema);
  if (other) set('wrong type', other);
  // Range, pattern and length are judged per branch only for a field of one branch: with anyOf,
  // a value outside one branch may be inside another.
  if (schema.anyOf || schema.oneOf) return breaks;
  if (schema.type === 'integer' || schema.type === 'number') {
    const outside = outOfRange(schema);
    if (outside) set('out of range', outside);
  }
  if (schema.enum && schema.enum.every((v) => typeof v === 'string')) {
    const allowed = schema.enum as string[];
    set(
      'not in enum',
      fc.oneof(fc.string(), fc.constantFrom(...allowed.flatMap((v) => [v.toUpperCase(), ` ${v}`, `${v}\u0000`, `${v}\n`]), ...TRICKY_STRINGS)).filter((v) => !allowed.includes(v)),
    );
  }
  if (schema.type === 'string') {
    const pattern = patternOf(schema);
    if (pattern) set('pattern', fc.oneof(fc.string(), injected(), fc.constantFrom(...TRICKY_STRINGS)).filter((v) => !pattern.test(v)));
    if ((schema.minLength ?? 0) > 0) set('too short', fc.string({ maxLength: schema.minLength! - 1 }));
    if (schema.maxLength !== undefined) set('too long', tooLong(schema.maxLength));
  }
  if (schema.type === 'array') {
    const item = schema.items ?? {};
    if ((schema.minItems ?? 0) > 0) set('no items', fc.constant([]));
    if (schema.maxItems !== undefined) set('too many items', fc.array(validValue(item), { minLength: schema.maxItems + 1, maxLength: schema.maxItems + 4 }));
    const badItem = wrongType(item);
    if (badItem) {
      set(
        'bad item',
        fc.tuple(fc.array(validValue(item), { maxLength: 2 }), badItem, fc.nat()).map(([good, bad, at]) => {
          const items = [...good];
          items.splice(at % (items.length + 1), 0, bad);
          return items;
        }),
      );
    }
  }
  return breaks;
}

/** Keys the object does not know, when its schema refuses unknown keys. */
export function unknownKeyBreak(schema: JsonSchema): fc.Arbitrary<Break> | undefined {
  if (schema.additionalProperties !== false) return undefined;
  const known = schema.properties ?? {};
  const names = Object.keys(known);
  const key = fc
    .oneof(fc.constantFrom(...HOSTILE_KEYS), fc.constantFrom(...names.map((n) => n.toUpperCase()), ...names.map((n) => `${n} `)), fc.string({ maxLength: 12 }))
    .filter((k) => !Object.hasOwn(known, k));
  return fc.tuple(key, json).map(([field, value]) => ({ field, how: 'unknown key', value }));
}

/** Every break the object's schema allows, over all its fields. */
export function objectBreaks(schema: JsonSchema): fc.Arbitrary<Break>[] {
  const required = new Set(schema.required ?? []);
  const breaks = Object.entries(schema.properties ?? {}).flatMap(([name, field]) => fieldBreaks(name, field, required.has(name)));
  const unknown = unknownKeyBreak(schema);
  return unknown ? [...breaks, unknown] : breaks;
}

/** A valid base with one or two breaks applied, or undefined when the schema allows none. */
export function brokenObject(schema: JsonSchema, base: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<BrokenObject> | undefined {
  const breaks = objectBreaks(schema);
  if (breaks.length === 0) return undefined;
  return fc.tuple(base, fc.array(fc.oneof(...breaks), { minLength: 1, maxLength: 2 })).map(([valid, chosen]) => applyBreaks(valid, chosen));
}

export function applyBreaks(valid: Record<string, unknown>, chosen: readonly Break[]): BrokenObject {
  const value = copyOwn(valid);
  for (const b of chosen) {
    if (b.remove) delete value[b.field];
    else setOwn(value, b.field, b.value);
  }
  return { value, fields: chosen.map((b) => b.field), how: chosen.map((b) => b.how) };
}

function outOfRange(schema: JsonSchema): fc.Arbitrary<number> | undefined {
  const whole = schema.type === 'integer';
  const number = { noNaN: true, noDefaultInfinity: true } as const;
  const sides: fc.Arbitrary<number>[] = [];
  const low = schema.exclusiveMinimum ?? schema.minimum;
  const high = schema.exclusiveMaximum ?? schema.maximum;
  if (low !== undefined) {
    const lowAllowed = schema.exclusiveMinimum === undefined;
    const below = (v: number) => (lowAllowed ? v < low : v <= low);
    const largestOut = whole ? (lowAllowed ? Math.ceil(low) - 1 : Math.floor(low)) : low;
    sides.push(
      (whole ? fc.integer({ min: Number.MIN_SAFE_INTEGER, max: largestOut }) : fc.double({ max: low, maxExcluded: lowAllowed, ...number })).filter(below),
      fc.constantFrom(-1e308, largestOut, low - 1).filter(below),
    );
  }
  if (high !== undefined) {
    const highAllowed = schema.exclusiveMaximum === undefined;
    const above = (v: number) => (highAllowed ? v > high : v >= high);
    const smallestOut = whole ? (highAllowed ? Math.floor(high) + 1 : Math.ceil(high)) : high;
    sides.push(
      (whole ? fc.integer({ min: smallestOut, max: Number.MAX_SAFE_INTEGER }) : fc.double({ min: high, minExcluded: highAllowed, ...number })).filter(above),
      fc.constantFrom(1e308, 2 ** 53, smallestOut, high + 1).filter(above),
    );
  }
  return sides.length === 0 ? undefined : fc.oneof(...sides);
}

// A random string with one character few patterns allow: a path separator, a blank, a control
// character, a shell or option sign, or non-ASCII.
function injected(): fc.Arbitrary<string> {
  return fc
    .tuple(fc.string({ maxLength: 12 }), fc.constantFrom('/', '..', ' ', '\t', '\n', '\u0000', '\u001f', '-', '$', ';', '\u00e9', '\u202e', '😀'), fc.string({ maxLength: 12 }))
    .map(([a, c, b]) => a + c + b);
}

// Just past the limit, well past it, and now and then 200 KB past it (under the body limit).
function tooLong(max: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.string({ minLength: max + 1, maxLength: max + 40 }) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 10_000 }).map((n) => 'x'.repeat(max + n)) },
    { weight: 1, arbitrary: fc.integer({ min: 10_000, max: 200_000 }).map((n) => 'x'.repeat(max + n)) },
  );
}
