import { resolveRef as resolve } from '@oc-numbers/testing';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * What two OpenAPI documents must agree on, with the differences between OpenAPI 3.0 (what
 * @nestjs/swagger emits) and 3.1 (the contract) and between ways of writing the same schema
 * (`$ref`, `allOf`, `anyOf` alternatives of one type) taken out: per operation, its parameters
 * (name, location, required, type, format), response statuses, content types and the fields of
 * each body (name, type, format, required).
 */
export function documentShape(doc: Json): Json {
  const shape: Json = {};
  for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const parameters = [...(item.parameters ?? []), ...(operation.parameters ?? [])]
        .map((p: Json) => resolve(doc, p))
        .map((p: Json) => ({ name: p.name, in: p.in, required: !!p.required, ...scalar(doc, p.schema ?? {}) }))
        .sort((a, b) => `${a.in}:${a.name}`.localeCompare(`${b.in}:${b.name}`));
      const responses: Json = {};
      for (const [status, response] of Object.entries<Json>(operation.responses ?? {})) {
        const content = resolve(doc, response).content ?? {};
        responses[status] = Object.fromEntries(
          Object.entries<Json>(content).map(([media, { schema }]) => [media, schemaShape(doc, schema ?? {}, 0)]),
        );
      }
      shape[`${method.toUpperCase()} ${path}`] = { parameters, responses };
    }
  }
  return shape;
}

function schemaShape(doc: Json, node: Json, depth: number): Json {
  const schema = flatten(doc, node);
  if (depth > 10) return { type: schema.type };
  if (schema.type === 'object' || schema.properties) {
    const properties: Json = {};
    for (const [name, property] of Object.entries<Json>(schema.properties ?? {})) {
      properties[name] = schemaShape(doc, property, depth + 1);
    }
    const extra =
      typeof schema.additionalProperties === 'object' ? scalar(doc, schema.additionalProperties) : undefined;
    return {
      type: 'object',
      required: [...(schema.required ?? [])].sort(),
      properties,
      ...(extra ? { additionalProperties: extra } : {}),
    };
  }
  if (schema.type === 'array') return { type: 'array', items: schemaShape(doc, schema.items ?? {}, depth + 1) };
  return scalar(doc, schema);
}

/** Type and format of a scalar schema; alternatives of one type count as that type. */
function scalar(doc: Json, node: Json): Json {
  const schema = flatten(doc, node);
  const branches = (schema.anyOf ?? schema.oneOf ?? []).map((b: Json) => flatten(doc, b));
  const type = schema.type ?? commonValue(branches.map((b: Json) => b.type));
  const format = schema.format ?? branches.find((b: Json) => b.format)?.format;
  return { type, ...(format ? { format } : {}) };
}

/** Resolves `$ref`s and merges `allOf` into one schema. */
function flatten(doc: Json, node: Json): Json {
  const schema = resolve(doc, node);
  if (!schema.allOf) return schema;
  const merged: Json = { ...schema, allOf: undefined };
  for (const part of schema.allOf.map((p: Json) => flatten(doc, p))) {
    merged.type ??= part.type;
    merged.properties = { ...(part.properties ?? {}), ...(merged.properties ?? {}) };
    merged.required = [...new Set([...(merged.required ?? []), ...(part.required ?? [])])];
  }
  return merged;
}

function commonValue<T>(values: T[]): T | undefined {
  return values.length > 0 && values.every((v) => v === values[0]) ? values[0] : undefined;
}
