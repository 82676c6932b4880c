#!/usr/bin/env node
/**
 * The `scratchnet` command. Every failure ends as one line on stderr, never a stack trace:
 * status 2 for a wrong command line, 1 for anything else (missing data, corrupt file, a loss
 * that became NaN).
 */
import { UsageError } from './usage-error.js';
import { parseTrainArgs, TRAIN_HELP } from './train-options.js';
import { runTrain } from './train-command.js';
import type { CommandOutput } from './train-command.js';
import { parseEvalArgs, runEval, EVAL_HELP } from './eval-command.js';
import { parseExportArgs, runExport, EXPORT_HELP } from './export-command.js';
import { readFileSync } from 'node:fs';

const HELP = `Usage: scratchnet <command> [options]

Commands:
  train     train a net on MNIST (default: the fastest setting measured to reach 98%)
  eval      test accuracy and confusion matrix of a net saved with train --save
  export    write a saved net as an ONNX model (export --model net.safetensors --onnx net.onnx)

Options:
  -h, --help     show this help
  -v, --version  print the version

Run \`scratchnet <command> --help\` for a command's options.
`;

/** Runs the command line `args` (without node and the script); returns the exit status. */
async function main(args: string[], out: CommandOutput): Promise<number> {
  const [command, ...rest] = args;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      out.stdout.write(HELP);
      return command === undefined ? 2 : 0;
    }
    if (command === '--version' || command === '-v') {
      out.stdout.write(`${packageVersion()}\n`);
      return 0;
    }
    if (command === 'train') {
      const settings = parseTrainArgs(rest);
      if (settings === null) out.stdout.write(TRAIN_HELP);
      else await runTrain(settings, out);
      return 0;
    }
    if (command === 'eval') {
      const settings = parseEvalArgs(rest);
      if (settings === null) out.stdout.write(EVAL_HELP);
      else await runEval(settings, out);
      return 0;
    }
    if (command === 'export') {
      const settings = parseExportArgs(rest);
      if (settings === null) out.stdout.write(EXPORT_HELP);
      else await runExport(settings, out);
      return 0;
    }
    throw new UsageError(`unknown command '${command}' (expected train, eval or export)`);
  } catch (err) {
    const usage = err instanceof UsageError;
    const message = err instanceof Error ? err.message : String(err);
    const where = command === 'train' || command === 'eval' || command === 'export' ? `scratchnet ${command}` : 'scratchnet';
    const hint = usage ? ` (see ${where} --help)` : '';
    out.stderr.write(`${where}: ${message.split('\n')[0]}${hint}\n`);
    return usage ? 2 : 1;
  }
}

/** The version in the package.json two folders up (dist/cli/ -> the package root), installed or not. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
