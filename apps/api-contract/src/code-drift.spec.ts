import { Contract, workspaceRoot } from '@oc-numbers/testing';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { documentShape } from './document-shape';

describe("the controllers' decorators", () => {
  it('describe the same API as the contract', () => {
    const root = workspaceRoot();
    const emitted = spawnSync(process.execPath, [join(root, 'dist/apps/api/src/openapi-document.js')], {
      cwd: root,
      encoding: 'utf8',
    });
    if (emitted.status !== 0) throw new Error(`The decorator document could not be built:\n${emitted.stderr}`);
    const fromCode = documentShape(JSON.parse(emitted.stdout));
    const fromContract = documentShape(new Contract().spec);
    // A difference shows as a diff of the two shapes: "-" is the contract, "+" the code.
    expect(fromCode).toEqual(fromContract);
  });
});
