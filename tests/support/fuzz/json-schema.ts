// The part of JSON Schema our zod schemas turn into (z.toJSONSchema, and the MCP SDK's tools/list),
// read just enough to generate values that fit a field and values that cannot. The schemas come
// from the code under test; nothing here restates a field by hand.

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  default?: unknown;
}

export type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'array' | 'object';

export const JSON_TYPES: readonly JsonType[] = ['string', 'number', 'integer', 'boolean', 'null', 'array', 'object'];

/** The alternatives of a field: its anyOf/oneOf branches, or itself. */
export function branches(schema: JsonSchema): JsonSchema[] {
  return schema.anyOf ?? schema.oneOf ?? [schema];
}

/** Every JSON type some branch of the field accepts ("number" takes integers too). */
export function acceptedTypes(schema: JsonSchema): Set<JsonType> {
  const types = new Set<JsonType>();
  for (const branch of branches(schema)) {
    if (branch.enum) for (const v of branch.enum) types.add(jsonTypeOf(v));
    if (branch.const !== undefined) types.add(jsonTypeOf(branch.const));
    const declared = branch.type === undefined ? [] : Array.isArray(branch.type) ? branch.type : [branch.type];
    for (const t of declared) types.add(t as JsonType);
    // A branch with no type at all (z.unknown()) takes anything.
    if (branch.type === undefined && !branch.enum && branch.const === undefined && !branch.anyOf) for (const t of JSON_TYPES) types.add(t);
  }
  if (types.has('number')) types.add('integer');
  return types;
}

export function jsonTypeOf(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as JsonType;
}

/** The field's pattern as a RegExp, without flags as zod's own regexes have none. */
export function patternOf(schema: JsonSchema): RegExp | undefined {
  return schema.pattern === undefined ? undefined : new RegExp(schema.pattern);
}

/**
 * Sets a key as an own property even when it is "__proto__": `obj[key] = v` would change the
 * prototype instead, and the key would never reach the wire.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A shallow copy that keeps a "__proto__" own key as a key (spread copies own properties as data). */
export function copyOwn(source: Record<string, unknown>): Record<string, unknown> {
  return { ...source };
}
