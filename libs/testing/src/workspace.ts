import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The monorepo's root: the nearest folder above the working directory that holds nx.json. */
export function workspaceRoot(from = process.cwd()): string {
  let dir = from;
  while (!existsSync(join(dir, 'nx.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No nx.json above ${from}: run this from the workspace`);
    dir = parent;
  }
  return dir;
}

/** A path inside the workspace, from its root. */
export function workspacePath(...segments: string[]): string {
  return join(workspaceRoot(), ...segments);
}
