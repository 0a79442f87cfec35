// `devo-collector validate`: in process (exit codes, summary, problem lines, --json, --help) and as a
// subprocess (exit status, no stack trace).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runValidate } from '../../../collector-runtime/src/cli/validate-command.ts';
import { goodConfig, removeLayouts, SECRET, writeLayout } from './config-fixture.ts';

after(removeLayouts);

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../../../collector-runtime/src/cli/main.ts', import.meta.url));

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runValidate(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
  });
  return { code, stdout, stderr };
}

function badConfig() {
  const c = goodConfig();
  c.inputs.microsoft_graph_audit.services.signIns = {
    request_period_in_seconds: 10,
    start_time_in_utc: 'soon',
  };
  c.inputs.microsoft_graph_audit.credentials.client_secret = 12;
  c.globals.multiprocessing = false;
  return c;
}

test('a valid config: exit 0 and a one-line summary on stdout, warnings on stderr', async () => {
  const c = goodConfig();
  c.globals.multiprocessing = false;
  const { file } = writeLayout(c);
  const r = await run(['--config', file]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'config.yaml is valid: 2 inputs, 4 services, 1 output\n');
  assert.equal(r.stderr, 'warning: globals.multiprocessing: Illegal global setting has been ignored\n');
});

test('CONFIG_FILE and DEVO_COLLECTOR_HOME are honoured; disabled inputs are counted apart', async () => {
  const c = goodConfig();
  c.inputs.microsoft_graph_security.enabled = false;
  const { dir } = writeLayout(c, { name: 'graph.yaml' });
  const r = await run([], { CONFIG_FILE: 'graph.yaml', DEVO_COLLECTOR_HOME: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'graph.yaml is valid: 1 input (1 disabled), 2 services, 1 output\n');
});

test('an invalid config: exit 1, one "path: message" line per problem, secrets masked', async () => {
  const { file } = writeLayout(badConfig());
  const r = await run(['--config', file]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines[0], 'config.yaml is invalid: 3 problems');
  assert.deepEqual(
    lines.slice(1).map((l) => /^(warning: )?[^:]+/.exec(l)![0]),
    [
      'inputs.microsoft_graph_audit.credentials.client_secret',
      'inputs.microsoft_graph_audit.services.signIns.request_period_in_seconds',
      'inputs.microsoft_graph_audit.services.signIns.start_time_in_utc',
      'warning: globals.multiprocessing',
    ],
  );
  assert.ok(!r.stderr.includes('12,') && !r.stderr.includes('got 12'));
});

test('--json prints one object with every problem', async () => {
  const { file } = writeLayout(badConfig());
  const r = await run(['--config', file, '--json']);
  assert.equal(r.code, 1);
  const out = JSON.parse(r.stdout);
  assert.equal(out.valid, false);
  assert.equal(out.file, file);
  assert.equal(out.problems.filter((p: { severity: string }) => p.severity === 'error').length, 3);

  const good = writeLayout(goodConfig());
  const ok = await run(['--config', good.file, '--json']);
  assert.equal(ok.code, 0);
  assert.deepEqual(JSON.parse(ok.stdout), {
    valid: true,
    file: good.file,
    inputs: 2,
    disabledInputs: 0,
    services: 4,
    outputs: 1,
    problems: [],
  });
});

test('--help prints usage; an unknown option is a usage error (exit 2)', async () => {
  const help = await run(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: devo-collector validate \[--config PATH\] \[--json\]/);
  const bad = await run(['--frobnicate']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Unknown option '--frobnicate'/);
});

function validate(args: string[]) {
  const env = { ...process.env };
  delete env.CONFIG_FILE;
  delete env.DEVO_COLLECTOR_HOME;
  return spawnSync(process.execPath, [MAIN, 'validate', ...args], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

test('devo-collector validate as a subprocess: exit 1 without a stack trace, exit 0 for a good config', () => {
  const bad = writeLayout(badConfig());
  const r = validate(['--config', bad.file]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /start_time_in_utc: invalid start time "soon"/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.ok(!r.stderr.includes(SECRET));

  const empty = writeLayout('');
  const e = validate(['--config', empty.file]);
  assert.equal(e.status, 1);
  assert.match(e.stderr, /is empty/);
  assert.doesNotMatch(e.stderr, /\n\s+at /);

  const good = writeLayout(goodConfig());
  const g = validate(['--config', good.file]);
  assert.equal(g.status, 0, g.stderr);
  assert.equal(g.stdout, 'config.yaml is valid: 2 inputs, 4 services, 1 output\n');
});
