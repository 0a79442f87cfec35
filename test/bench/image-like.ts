// The code as the images ship it, for benchmarks: the sources as JavaScript (images/strip-types.ts, what the
// Dockerfiles' `app` stage runs) next to the repository's package.json and node_modules.
import { copyFile, symlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { stripTree } from '../../images/strip-types.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** Writes the app under `<dir>/app` and returns that folder; entry points are `<app>/<source>/cli/main.js`. */
export async function imageLikeApp(dir: string, sourceDirs: readonly string[]): Promise<string> {
  const app = join(dir, 'app');
  await stripTree(app, sourceDirs, ROOT);
  await copyFile(join(ROOT, 'package.json'), join(app, 'package.json'));
  await symlink(join(ROOT, 'node_modules'), join(app, 'node_modules'));
  return app;
}
