// Image sizes as built by images/build.sh (CI builds them; `.ci/run`), from podman's own numbers, with the
// layers the two images share. Skipped (nothing written) when podman or the images are missing.
// Run alone: npx node test/bench/image-sizes.ts
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { replaceSection } from './results-file.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const TARGET_MB = 200;
/** The Dockerfiles before issue 11 (node:24-slim final stage, npm included), built the same way on this machine. */
const BEFORE_MB = { runtime: 311, operator: 311 };

const run = promisify(execFile);

interface Layer {
  id: string;
  size: number;
}

async function layers(image: string): Promise<{ size: number; layers: Layer[] }> {
  const info = JSON.parse((await run('podman', ['image', 'inspect', image])).stdout) as {
    Size: number;
    RootFS: { Layers: string[] };
  }[];
  const history = JSON.parse(
    (await run('podman', ['history', '--format', 'json', '--no-trunc', image])).stdout,
  ) as { size: number }[];
  const withData = history.filter((h) => h.size > 0).reverse(); // oldest first, like RootFS.Layers
  return {
    size: info[0]!.Size,
    layers: info[0]!.RootFS.Layers.map((id, i) => ({ id, size: withData[i]?.size ?? 0 })),
  };
}

const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;

export async function measure(): Promise<string | undefined> {
  const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const images = {
    runtime: `localhost/devo-collector:${version}`,
    operator: `localhost/devo-collector-operator:${version}`,
  };
  try {
    const runtime = await layers(images.runtime);
    const operator = await layers(images.operator);
    const shared = runtime.layers.filter((l) => operator.layers.some((o) => o.id === l.id));
    const sharedBytes = shared.reduce((n, l) => n + l.size, 0);
    const row = (name: 'runtime' | 'operator', size: number) =>
      `| ${name} (${images[name]}) | ${BEFORE_MB[name]} | **${mb(size)}** | ${mb(size) <= TARGET_MB ? 'met' : '**not met**'} |`;
    return [
      `Measured ${new Date().toISOString().slice(0, 10)} with \`npx node test/bench/image-sizes.ts\` on the images \`images/build.sh\` built (podman's sizes, MB = 10⁶ bytes, uncompressed).`,
      `"Before": the Dockerfiles before issue 11 (\`node:24-slim\` final stage with npm, node_modules under different paths), built the same way on this machine.`,
      '',
      `| image | before (MB) | after (MB) | target ≤ ${TARGET_MB} MB |`,
      '|---|---|---|---|',
      row('runtime', runtime.size),
      row('operator', operator.size),
      '',
      `Shared layers (stored once by a registry or a node): ${shared.length}, ${mb(sharedBytes)} MB ` +
        `(${shared.map((l) => `${mb(l.size)} MB`).join(', ')}: node with its libraries, node_modules, package.json, ` +
        `the runtime's sources). Both images together take ${mb(runtime.size + operator.size - sharedBytes)} MB, ` +
        `not ${mb(runtime.size + operator.size)}.`,
    ].join('\n');
  } catch (err) {
    console.log(`image sizes skipped: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const section = await measure();
  if (section) {
    console.log(section);
    await replaceSection('Image sizes', section);
  }
}
