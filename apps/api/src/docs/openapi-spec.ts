import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

/** The contract, as the service serves it: the file's own text and its parsed document. */
export interface OpenApiSpec {
  readonly path: string;
  readonly yaml: string;
  readonly document: Record<string, unknown> & { openapi: string; info: Record<string, unknown> };
}

export const OPENAPI_SPEC = Symbol('OPENAPI_SPEC');

/** Where `npm start` finds the contract: `openapi/` of the working folder. */
export const DEFAULT_SPEC_PATH = 'openapi/oc-numbers.yaml';

/** Reads the contract once, at start; a missing or broken file stops the start with its path. */
export function loadOpenApiSpec(path: string = DEFAULT_SPEC_PATH): OpenApiSpec {
  const absolute = resolve(path);
  let yaml: string;
  try {
    yaml = readFileSync(absolute, 'utf8');
  } catch (error) {
    throw new Error(`The API contract ${absolute} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  const document = parse(yaml) as OpenApiSpec['document'];
  if (typeof document?.openapi !== 'string') {
    throw new Error(`The API contract ${absolute} is not an OpenAPI document`);
  }
  return { path: absolute, yaml, document };
}
