// Local `$ref`s of an OpenAPI document, followed to what they name. Plain JavaScript, so that the
// tests (through @oc-numbers/testing) and the contract guard (run by node as it is) share it.

/**
 * Follows local `$ref`s (`#/components/…`) from `node` to the object they name in `document`.
 *
 * @param {Record<string, any>} document the whole OpenAPI document
 * @param {unknown} node a part of it that may be a `{ $ref }`
 * @returns {{ value: Record<string, any>, pointer: string | undefined }} the object named (`{}`
 *   when a reference leads nowhere), and the JSON pointer of the last reference followed
 *   (undefined when `node` was none)
 */
export function followRef(document, node) {
  let current = node;
  let pointer;
  for (let hops = 0; isReference(current) && hops < 50; hops++) {
    pointer = current.$ref;
    current = pointer
      .slice(2)
      .split('/')
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((at, part) => at?.[part], document);
  }
  return { value: current ?? {}, pointer };
}

/**
 * The object that `node` names in `document`, `$ref`s followed.
 *
 * @param {Record<string, any>} document
 * @param {unknown} node
 * @returns {Record<string, any>}
 */
export function resolveRef(document, node) {
  return followRef(document, node).value;
}

/** @param {any} node */
function isReference(node) {
  return typeof node === 'object' && node !== null && typeof node.$ref === 'string' && node.$ref.startsWith('#/');
}
