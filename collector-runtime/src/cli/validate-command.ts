// `devo-collector validate [--config PATH] [--json] [--check-credentials]`: loads config.yaml exactly as
// `run` would and reports every problem at once, one `path: message` per line; optionally asks the
// identity platform for a token with each input's credentials. Exit 0 valid, 1 invalid, 2 bad usage,
// 3 valid but a credential check failed.
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { locateConfig } from '../config/config-location.ts';
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import type { ConfigProblem } from '../core/errors.ts';
import { ConfigError } from '../core/errors.ts';
import { inputRegistry } from '../inputs/registry.ts';
import { checkCredentials, credentialLine, type CredentialCheck } from './check-credentials.ts';

export interface CommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
}

export const VALIDATE_HELP = `Usage: devo-collector validate [--config PATH] [--json] [--check-credentials]

Checks a collector config.yaml (globals, outputs, inputs), the certificate files and the
secrets it refers to, without connecting anywhere.

Options:
  -c, --config PATH        the config file (default: $CONFIG_FILE, or config.yaml, under
                           $DEVO_COLLECTOR_HOME/config/ or ./config/)
      --json               print the result as one JSON object on stdout
      --check-credentials  also request one OAuth2 token with the credentials of each enabled
                           input (the token endpoint only: no state, no API, no Devo), and
                           report success or the identity platform's reason (AADSTS code)
  -h, --help               show this help

Exit status: 0 valid (and, with --check-credentials, every token obtained; warnings may be
listed), 1 invalid, 2 wrong usage, 3 valid but a credential check failed.
`;

/** `argv` is what follows `validate` on the command line. */
export async function runValidate(argv: string[], io: CommandIo): Promise<number> {
  let values: { config?: string; json?: boolean; help?: boolean; 'check-credentials'?: boolean };
  try {
    ({ values } = parseArgs({
      // Tolerate being handed the sub-command itself.
      args: argv[0] === 'validate' ? argv.slice(1) : argv,
      options: {
        config: { type: 'string', short: 'c' },
        json: { type: 'boolean' },
        'check-credentials': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.stderr.write(
      `devo-collector validate: ${err instanceof Error ? err.message : String(err)}\n\n${VALIDATE_HELP}`,
    );
    return 2;
  }
  if (values.help) {
    io.stdout.write(VALIDATE_HELP);
    return 0;
  }

  let loaded: LoadedConfig;
  try {
    loaded = await loadConfig({ configPath: values.config, env: io.env });
  } catch (err) {
    if (!(err instanceof ConfigError)) {
      io.stderr.write(
        `devo-collector validate: unexpected failure: ${err instanceof Error ? err.message : String(err)}\n`,
      );
      return 1;
    }
    const { file } = locateConfig({ configPath: values.config, env: io.env, cwd: process.cwd() });
    const errors = err.problems.filter((p) => p.severity === 'error');
    const warnings = err.problems.filter((p) => p.severity === 'warning');
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ valid: false, file, problems: err.problems })}\n`);
    } else {
      io.stderr.write(`${basename(file)} is invalid: ${count(errors.length, 'problem')}\n`);
      io.stderr.write(errors.map(line).join(''));
      io.stderr.write(warnings.map((w) => `warning: ${line(w)}`).join(''));
    }
    return 1;
  }

  const summary = summarize(loaded);
  const checks: CredentialCheck[] | undefined = values['check-credentials']
    ? await checkCredentials(loaded.config, inputRegistry)
    : undefined;
  const failed = checks?.some((c) => !c.ok) ?? false;
  if (values.json) {
    io.stdout.write(
      `${JSON.stringify({
        valid: true,
        file: loaded.file,
        ...summary.counts,
        problems: loaded.warnings,
        ...(checks ? { credentialsOk: !failed, credentials: checks } : {}),
      })}\n`,
    );
  } else {
    io.stdout.write(`${basename(loaded.file)} is valid: ${summary.text}\n`);
    io.stderr.write(loaded.warnings.map((w) => `warning: ${line(w)}`).join(''));
    if (checks) {
      for (const c of checks) (c.ok ? io.stdout : io.stderr).write(credentialLine(c));
      if (checks.length === 0) io.stdout.write('credentials: no enabled input has credentials to check\n');
    }
  }
  return failed ? 3 : 0;
}

function line(p: ConfigProblem): string {
  return `${p.path ? `${p.path}: ` : ''}${p.message}\n`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function summarize({ config }: LoadedConfig) {
  const enabled = config.inputs.filter((i) => i.config.enabled);
  const counts = {
    inputs: enabled.length,
    disabledInputs: config.inputs.length - enabled.length,
    services: enabled.reduce((n, i) => n + i.services.length, 0),
    outputs: Object.keys(config.outputs).length,
  };
  const disabled = counts.disabledInputs > 0 ? ` (${counts.disabledInputs} disabled)` : '';
  return {
    counts,
    text: `${count(counts.inputs, 'input')}${disabled}, ${count(counts.services, 'service')}, ${count(counts.outputs, 'output')}`,
  };
}
