// Types of openapi-refs.mjs.
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Follows local `$ref`s from `node` to the object they name in `document`. */
export declare function followRef(document: Json, node: unknown): { value: Json; pointer: string | undefined };

/** The object that `node` names in `document`, `$ref`s followed. */
export declare function resolveRef(document: Json, node: unknown): Json;
