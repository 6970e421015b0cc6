import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { followRef } from './openapi-refs.mjs';
import { workspacePath } from './workspace';

type Json = Record<string, unknown>;

export interface ContractResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
}

const SPEC_ID = 'oc-numbers.yaml';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface ContractOperation {
  readonly operationId: string;
  readonly method: string;
  readonly path: string;
  readonly statuses: readonly string[];
}

/**
 * The contract in `openapi/`, read at run time, and the checks that hold a response to it:
 * the status is documented for the operation, the Content-Type is the documented media type,
 * every documented header is present and valid, and the body matches the schema (JSON Schema
 * 2020-12 with formats).
 */
export class Contract {
  readonly spec: Json;
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(specPath = workspacePath('openapi', 'oc-numbers.yaml')) {
    this.spec = parse(readFileSync(specPath, 'utf8')) as Json;
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema(this.spec, SPEC_ID);
  }

  /** The problems found with `response` to `method path` (empty when it conforms). */
  check(method: string, path: string, response: ContractResponse): string[] {
    const operation = this.operation(method, path);
    const documented = (operation.responses ?? {}) as Json;
    const key = String(response.status) in documented ? String(response.status) : 'default';
    if (!(key in documented)) {
      return [`${method.toUpperCase()} ${path} answered ${response.status}, which the contract does not document`];
    }
    const problems: string[] = [];
    const pointer = `#/paths/${escape(path)}/${method.toLowerCase()}/responses/${key}`;
    const { value: declared, pointer: at } = this.resolve(documented[key] as Json, pointer);
    const content = (declared.content ?? {}) as Json;
    const mediaType = String(response.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    if (!(mediaType in content)) {
      problems.push(
        `Content-Type "${mediaType}" is not documented for ${response.status} (expected ${Object.keys(content).join(' or ')})`,
      );
    } else {
      const validate = this.validator(`${at}/content/${escape(mediaType)}/schema`);
      if (!validate(response.body)) {
        problems.push(`body does not match the ${response.status} schema: ${this.ajv.errorsText(validate.errors)}`);
      }
    }
    for (const [name, header] of Object.entries((declared.headers ?? {}) as Json)) {
      const value = response.headers[name.toLowerCase()];
      const { value: declaredHeader, pointer: headerAt } = this.resolve(
        header as Json,
        `${at}/headers/${escape(name)}`,
      );
      if (value === undefined) {
        // A header the contract does not mark required may be absent (RateLimit-* when the
        // rate limit is off); when present it must still match its schema.
        if (declaredHeader.required === true) problems.push(`header ${name} is missing`);
      } else if (!this.validator(`${headerAt}/schema`)(value)) {
        problems.push(`header ${name} "${String(value)}" does not match its schema`);
      }
    }
    return problems;
  }

  /** The documented response statuses of an operation. */
  statuses(method: string, path: string): string[] {
    return Object.keys((this.operation(method, path).responses ?? {}) as Json);
  }

  /** The problems found with `value` against a schema of components/schemas (empty when valid). */
  checkSchema(name: string, value: unknown): string[] {
    const validate = this.validator(`#/components/schemas/${escape(name)}`);
    return validate(value) ? [] : [`does not match ${name}: ${this.ajv.errorsText(validate.errors)}`];
  }

  /** Every operation of the contract, with its documented statuses. */
  operations(): ContractOperation[] {
    const found: ContractOperation[] = [];
    for (const [path, item] of Object.entries(this.spec.paths as Json)) {
      for (const method of HTTP_METHODS) {
        const operation = (item as Json)[method] as Json | undefined;
        if (!operation) continue;
        found.push({
          operationId: String(operation.operationId ?? `${method} ${path}`),
          method,
          path,
          statuses: Object.keys((operation.responses ?? {}) as Json),
        });
      }
    }
    return found;
  }

  /** The operation with this operationId. */
  operationById(operationId: string): ContractOperation {
    const operation = this.operations().find((o) => o.operationId === operationId);
    if (!operation) throw new Error(`The contract has no operation ${operationId}`);
    return operation;
  }

  private operation(method: string, path: string): Json {
    const operation = ((this.spec.paths as Json)[path] as Json | undefined)?.[method.toLowerCase()] as Json | undefined;
    if (!operation) throw new Error(`The contract has no operation ${method.toUpperCase()} ${path}`);
    return operation;
  }

  /** Follows a local `$ref` (a response or a header may be one) to the object it names. */
  private resolve(value: Json, pointer: string): { value: Json; pointer: string } {
    const followed = followRef(this.spec, value);
    return { value: followed.value, pointer: followed.pointer ?? pointer };
  }

  private validator(pointer: string): ValidateFunction {
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${SPEC_ID}${pointer}` });
      this.validators.set(pointer, validate);
    }
    return validate;
  }
}

function escape(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
