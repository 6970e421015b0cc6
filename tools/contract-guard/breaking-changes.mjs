// Finds the changes between two versions of the contract that break a client written against
// the older one. Pure functions over parsed documents; the command line is check-breaking.mjs.
import { resolveRef as resolve } from '#testing/openapi-refs';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * @param {Record<string, any>} before the older contract
 * @param {Record<string, any>} after the newer contract
 * @returns {string[]} one line per breaking change, empty when the change is compatible
 */
export function breakingChanges(before, after) {
  const found = [];
  const resolveIn = (doc) => (node) => resolve(doc, node);
  const oldOf = resolveIn(before);
  const newOf = resolveIn(after);
  for (const [path, oldItem] of Object.entries(before.paths ?? {})) {
    const newItem = after.paths?.[path];
    for (const method of METHODS) {
      const oldOp = oldItem?.[method];
      if (!oldOp) continue;
      const where = `${method.toUpperCase()} ${path}`;
      const newOp = newItem?.[method];
      if (!newOp) {
        found.push(`${where}: operation removed`);
        continue;
      }
      compareParameters(where, params(oldOp, oldItem, oldOf), params(newOp, newItem, newOf), oldOf, newOf, found);
      compareResponses(where, oldOp.responses ?? {}, newOp.responses ?? {}, oldOf, newOf, found);
    }
  }
  return found;
}

function params(operation, item, of) {
  const all = [...(item.parameters ?? []), ...(operation.parameters ?? [])].map(of);
  return new Map(all.map((p) => [`${p.in}:${p.name}`, p]));
}

function compareParameters(where, before, after, oldOf, newOf, found) {
  for (const [key, oldParam] of before) {
    const newParam = after.get(key);
    const name = `${oldParam.in} parameter ${oldParam.name}`;
    if (!newParam) {
      const renamed = [...after.values()].filter((p) => p.in === oldParam.in && !before.has(`${p.in}:${p.name}`));
      found.push(
        `${where}: ${name} removed${renamed.length ? ` (renamed to ${renamed.map((p) => p.name).join(' or ')}?)` : ''}`,
      );
      continue;
    }
    if (!oldParam.required && newParam.required) found.push(`${where}: ${name} became required`);
    narrowed(`${where}: ${name}`, oldParam.schema, newParam.schema, oldOf, newOf, found);
  }
  for (const [key, newParam] of after) {
    if (!before.has(key) && newParam.required)
      found.push(`${where}: new required ${newParam.in} parameter ${newParam.name}`);
  }
}

/** What a request may send must stay accepted: a schema that accepts less is a break. */
function narrowed(where, oldSchema, newSchema, oldOf, newOf, found) {
  const a = oldOf(oldSchema ?? {});
  const b = newOf(newSchema ?? {});
  if (types(a) && types(b) && [...types(a)].some((t) => !types(b).has(t))) {
    found.push(`${where}: type narrowed from ${[...types(a)].join('|')} to ${[...types(b)].join('|')}`);
  }
  for (const key of ['maxLength', 'maxItems', 'maximum', 'exclusiveMaximum']) {
    if (b[key] !== undefined && (a[key] === undefined || b[key] < a[key])) {
      found.push(`${where}: ${key} lowered to ${b[key]}${a[key] === undefined ? '' : ` from ${a[key]}`}`);
    }
  }
  for (const key of ['minLength', 'minItems', 'minimum', 'exclusiveMinimum']) {
    if (b[key] !== undefined && (a[key] === undefined || b[key] > a[key])) {
      found.push(`${where}: ${key} raised to ${b[key]}${a[key] === undefined ? '' : ` from ${a[key]}`}`);
    }
  }
  if (Array.isArray(a.enum)) {
    const removed = a.enum.filter((v) => !(b.enum ?? a.enum).includes(v));
    if (removed.length) found.push(`${where}: enum values removed: ${removed.join(', ')}`);
  } else if (Array.isArray(b.enum)) {
    found.push(`${where}: restricted to enum ${b.enum.join(', ')}`);
  }
  if (b.pattern !== undefined && b.pattern !== a.pattern) found.push(`${where}: pattern changed to ${b.pattern}`);
  if (b.format !== undefined && b.format !== a.format) found.push(`${where}: format changed to ${b.format}`);
  const oldBranches = a.anyOf ?? a.oneOf;
  const newBranches = b.anyOf ?? b.oneOf;
  if (oldBranches) {
    if (!newBranches || newBranches.length < oldBranches.length) {
      found.push(`${where}: alternatives (anyOf/oneOf) removed`);
    } else {
      oldBranches.forEach((branch, i) =>
        narrowed(`${where} (alternative ${i + 1})`, branch, newBranches[i], oldOf, newOf, found),
      );
    }
  }
}

function compareResponses(where, before, after, oldOf, newOf, found) {
  for (const [status, oldRef] of Object.entries(before)) {
    if (!(status in after)) {
      found.push(`${where}: response ${status} removed`);
      continue;
    }
    const oldResponse = oldOf(oldRef);
    const newResponse = newOf(after[status]);
    for (const header of Object.keys(oldResponse.headers ?? {})) {
      if (!(header in (newResponse.headers ?? {}))) found.push(`${where}: response ${status} header ${header} removed`);
    }
    for (const [media, oldContent] of Object.entries(oldResponse.content ?? {})) {
      const newContent = newResponse.content?.[media];
      if (!newContent) {
        found.push(`${where}: response ${status} ${media} removed`);
        continue;
      }
      compareResponseSchema(
        `${where}: response ${status} ${media}`,
        oldContent.schema,
        newContent.schema,
        oldOf,
        newOf,
        found,
        0,
      );
    }
  }
}

/** What a response promised must still be there: fields, their types, their presence. */
function compareResponseSchema(where, oldSchema, newSchema, oldOf, newOf, found, depth) {
  if (depth > 20) return;
  const a = oldOf(oldSchema ?? {});
  const b = newOf(newSchema ?? {});
  if (types(a) && types(b) && [...types(b)].some((t) => !types(a).has(t))) {
    found.push(`${where}: type changed from ${[...types(a)].join('|')} to ${[...types(b)].join('|')}`);
  }
  const oldProps = a.properties ?? {};
  const newProps = b.properties ?? {};
  const added = Object.keys(newProps).filter((p) => !(p in oldProps));
  for (const [name, schema] of Object.entries(oldProps)) {
    if (!(name in newProps)) {
      found.push(`${where}: field ${name} removed${added.length ? ` (renamed to ${added.join(' or ')}?)` : ''}`);
      continue;
    }
    if ((a.required ?? []).includes(name) && !(b.required ?? []).includes(name)) {
      found.push(`${where}: field ${name} is no longer required`);
    }
    compareResponseSchema(`${where}.${name}`, schema, newProps[name], oldOf, newOf, found, depth + 1);
  }
  if (a.items && b.items) compareResponseSchema(`${where}[]`, a.items, b.items, oldOf, newOf, found, depth + 1);
}

function types(schema) {
  if (schema.type === undefined) return undefined;
  return new Set(Array.isArray(schema.type) ? schema.type : [schema.type]);
}
