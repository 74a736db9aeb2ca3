// Values that fit a field's JSON Schema: the well-shaped base a fuzz case starts from before it
// breaks exactly what it means to break. Fields whose valid values the schema cannot say (an
// input reference is "a string", but only some strings name a real file) come from `given`.
import fc from 'fast-check';
import { branches, patternOf, type JsonSchema } from './json-schema.js';

export type FieldArbitraries = Record<string, fc.Arbitrary<unknown>>;

/** A value of one field; strings stay short, as the base is not what is being tested. */
export function validValue(schema: JsonSchema): fc.Arbitrary<unknown> {
  const alternatives = branches(schema);
  if (alternatives.length > 1) return fc.oneof(...alternatives.map(validValue));
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.const !== undefined) return fc.constant(schema.const);
  switch (schema.type) {
    case 'string': {
      const minLength = schema.minLength ?? 0;
      const maxLength = Math.min(schema.maxLength ?? 24, Math.max(minLength, 24));
      const pattern = patternOf(schema);
      const text = pattern ? fc.stringMatching(pattern, { maxLength }) : fc.string({ minLength, maxLength });
      return text.filter((s) => s.length >= minLength && s.length <= maxLength);
    }
    case 'integer':
      return fc.integer({ min: Math.ceil(lowerBound(schema) ?? -1000), max: Math.floor(upperBound(schema) ?? 1000) });
    case 'number':
      return fc.double({
        min: lowerBound(schema) ?? -1000,
        max: upperBound(schema) ?? 1000,
        minExcluded: schema.exclusiveMinimum !== undefined,
        maxExcluded: schema.exclusiveMaximum !== undefined,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(validValue(schema.items ?? {}), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 3, Math.max(schema.minItems ?? 0, 3)) });
    case 'object':
      return validObject(schema);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** An object with every required field and any of the optional ones, `given` overriding the schema per field. */
export function validObject(schema: JsonSchema, given: FieldArbitraries = {}): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const model: FieldArbitraries = {};
  for (const [name, field] of Object.entries(properties)) model[name] = given[name] ?? validValue(field);
  return fc.record(model, { requiredKeys: (schema.required ?? []).filter((name) => name in properties) }) as fc.Arbitrary<Record<string, unknown>>;
}

function lowerBound(schema: JsonSchema): number | undefined {
  return schema.exclusiveMinimum ?? schema.minimum;
}

function upperBound(schema: JsonSchema): number | undefined {
  return schema.exclusiveMaximum ?? schema.maximum;
}
