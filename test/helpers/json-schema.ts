/**
 * A small JSON Schema (draft-07) checker for the keywords speedscope's published
 * file-format-schema.json uses: type, properties, required, items, enum, const, anyOf, $ref to
 * #/definitions. A keyword it does not know is an error, so a newer schema cannot pass unchecked.
 */

type Schema = Record<string, unknown>;
const KNOWN = new Set(['$schema', 'definitions', 'title', 'type', 'properties', 'required', 'items', 'enum', 'const', 'anyOf', '$ref', 'additionalProperties']);

function typeOk(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      throw new Error(`schema type ${type} not supported`);
  }
}

export function schemaErrors(root: Schema, value: unknown, schema: Schema = root, where = '$', out: string[] = []): string[] {
  if (out.length > 20) return out;
  for (const key of Object.keys(schema)) if (!KNOWN.has(key)) throw new Error(`schema keyword ${key} not supported`);
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/definitions/', '');
    const target = (root.definitions as Record<string, Schema>)[name];
    if (target === undefined) throw new Error(`unresolved $ref ${schema.$ref}`);
    schemaErrors(root, value, target, where, out);
  }
  if (typeof schema.type === 'string' && !typeOk(value, schema.type)) {
    out.push(`${where}: expected ${schema.type}`);
    return out;
  }
  if ('const' in schema && value !== schema.const) out.push(`${where}: expected ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) out.push(`${where}: not one of ${JSON.stringify(schema.enum)}`);
  if (Array.isArray(schema.anyOf)) {
    const fits = schema.anyOf.some((alt) => schemaErrors(root, value, alt as Schema, where, []).length === 0);
    if (!fits) out.push(`${where}: matches none of the anyOf alternatives`);
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const key of (schema.required as string[] | undefined) ?? []) if (!(key in obj)) out.push(`${where}: missing ${key}`);
    for (const [key, sub] of Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {})) {
      if (key in obj) schemaErrors(root, obj[key], sub, `${where}.${key}`, out);
    }
  }
  if (Array.isArray(value) && schema.items !== undefined) value.forEach((item, i) => schemaErrors(root, item, schema.items as Schema, `${where}[${i}]`, out));
  return out;
}
