/**
 * The command line. The only module that writes to stdout/stderr or sets the exit code.
 * stdout carries only the report; progress and errors go to stderr.
 */
import { Command, CommanderError, Option } from 'commander';
import { CATALOGUE } from './catalogue.js';
import { parseDuration, parsePositiveInt } from './duration.js';
import { UsageError } from './errors.js';
import { SECTION_TITLES } from './model.js';
import { writeFileAtomic } from './output.js';
import { REPORTERS, isReporterName, type ReporterName } from './reporters/index.js';
import type { Report } from './report.js';
import { RunStop, type RunEvent } from './runner.js';
import { parsePatterns, selectCapabilities } from './select.js';
import { TOOL_VERSION } from './version.js';

export const EXIT = {
  ok: 0,
  internalError: 1,
  badInput: 2,
  deadline: 3,
  interrupted: 130,
} as const;

const EXIT_CODES_HELP = `
Exit codes:
  0    the run completed and the report was written (whatever the verdicts)
  1    internal error in cap-probe (a bug: please report it)
  2    bad input: unknown option or capability, malformed duration, malformed DOCKER_HOST
  3    --timeout ran out: the report was written; undecided rows say "deadline"
  130  interrupted (Ctrl-C): what was decided is written; cleanup ran`;

function useColor(flag: boolean | undefined, stream: NodeJS.WriteStream): boolean {
  if (flag === false) return false;
  if ('NO_COLOR' in process.env && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

interface OutputFlags {
  json?: boolean;
  format?: string;
  output?: string;
  color?: boolean;
}

function reporterName(flags: OutputFlags): ReporterName {
  const name = flags.json ? 'json' : (flags.format ?? 'table');
  if (!isReporterName(name)) throw new UsageError(`--format ${name}: unknown format (one of: ${Object.keys(REPORTERS).join(', ')})`);
  return name;
}

function emit(text: string, flags: OutputFlags): void {
  if (flags.output) writeFileAtomic(flags.output, text);
  else process.stdout.write(text);
}

/** A live progress line on a TTY stderr; silent otherwise so logs stay clean. */
function progressReporter(enabled: boolean) {
  let done = 0;
  let total = 0;
  const running = new Set<string>();
  const draw = (text: string) => process.stderr.write(`\r\x1b[2K${text}`);
  return {
    setTotal(n: number) {
      total = n;
    },
    phase(text: string) {
      if (enabled) draw(`cap-probe: ${text}…`);
    },
    event(event: RunEvent) {
      if (!enabled) return;
      if (event.type === 'probe-start') running.add(event.probe);
      if (event.type === 'probe-end') {
        running.delete(event.probe);
        done += 1;
      }
      draw(`cap-probe: probing [${done}/${total}] ${[...running].join(', ')}`);
    },
    clear() {
      if (enabled) process.stderr.write('\r\x1b[2K');
    },
  };
}

interface AllFlags extends OutputFlags {
  host?: string;
  image?: string;
  only?: string[];
  skip?: string[];
  concurrency?: string;
  timeout?: string;
  probeTimeout?: string;
  progress?: boolean;
}

async function commandAll(flags: AllFlags): Promise<number> {
  const format = reporterName(flags);
  const selected = selectCapabilities(parsePatterns(flags.only), parsePatterns(flags.skip));
  const concurrency = flags.concurrency ? parsePositiveInt(flags.concurrency, '--concurrency') : 4;
  const deadlineMs = flags.timeout ? parseDuration(flags.timeout, '--timeout') : undefined;
  const probeTimeoutMs = flags.probeTimeout ? parseDuration(flags.probeTimeout, '--probe-timeout') : undefined;

  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(EXIT.interrupted);
    process.stderr.write('\ncap-probe: interrupted — cleaning up what this run created (Ctrl-C again to quit at once)\n');
    controller.abort(new RunStop('aborted', 'interrupted by Ctrl-C'));
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const deadline = deadlineMs ? setTimeout(() => controller.abort(new RunStop('deadline', `--timeout ${flags.timeout} ran out`)), deadlineMs) : undefined;

  const progress = progressReporter(flags.progress ?? Boolean(process.stderr.isTTY));
  let report: Report;
  try {
    const [{ runAll }, { PROBES }] = await Promise.all([import('./run.js'), import('../probes/index.js')]);
    const { probesFor } = await import('./runner.js');
    progress.setTotal(probesFor(PROBES, selected).length);
    report = await runAll({
      probes: PROBES,
      selected,
      ...(flags.host ? { host: flags.host } : {}),
      ...(flags.image ? { image: flags.image } : {}),
      concurrency,
      ...(probeTimeoutMs ? { probeTimeoutMs } : {}),
      signal: controller.signal,
      onEvent: progress.event,
      onPhase: progress.phase,
    });
  } finally {
    progress.clear();
    if (deadline) clearTimeout(deadline);
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
  const width = format === 'table' && process.stdout.isTTY ? process.stdout.columns : undefined;
  emit(REPORTERS[format](report, { color: !flags.output && useColor(flags.color, process.stdout), ...(width ? { width } : {}) }), flags);
  if (!report.environment.engine.facts) {
    process.stderr.write(`cap-probe: no engine reachable (${report.environment.engine.attempts.map((a) => a.url).join(', ')}); engine capabilities are unsupported\n`);
  }
  const stop = controller.signal.reason as unknown;
  if (stop instanceof RunStop) return stop.reason === 'deadline' ? EXIT.deadline : EXIT.interrupted;
  return EXIT.ok;
}

function commandList(flags: OutputFlags): number {
  const format = reporterName(flags);
  if (format === 'json') {
    emit(`${JSON.stringify(CATALOGUE, null, 2)}\n`, flags);
    return EXIT.ok;
  }
  const lines: string[] = [];
  for (const [section, title] of Object.entries(SECTION_TITLES)) {
    const rows = CATALOGUE.filter((c) => c.section === section);
    if (!rows.length) continue;
    lines.push(`${title} (${section})`);
    for (const row of rows) lines.push(`  ${row.id.padEnd(38)} doc: ${row.documented.padEnd(12)} ${row.command}`);
    lines.push('');
  }
  emit(lines.join('\n'), flags);
  return EXIT.ok;
}

function outputOptions(command: Command): Command {
  return command
    .option('--json', 'print the report as JSON (same as --format json)')
    .addOption(new Option('-f, --format <name>', 'output format').choices(Object.keys(REPORTERS)))
    .option('-o, --output <file>', 'write the report to a file (atomically) instead of stdout')
    .option('--no-color', 'no colour (also: NO_COLOR=1)');
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('cap-probe')
    .description('What can I actually do with containers here? Probes the Docker engine and prints a capability matrix with evidence.')
    .version(TOOL_VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `
Examples:
  cap-probe all                         probe everything, print the matrix
  cap-probe all --json > matrix.json    the matrix as JSON, for CI
  cap-probe all --only container.run.*  only some capabilities (id glob or section)
  cap-probe list                        the capability catalogue
${EXIT_CODES_HELP}`);

  outputOptions(
    program
      .command('all')
      .description('run every probe and print the capability matrix')
      .option('-H, --host <url>', 'engine address (unix:///path, tcp://host:port, ssh://user@host); default: DOCKER_HOST, the docker context, the usual sockets')
      .option('--image <ref>', 'image for run-type probes (needs /bin/sh); default: a small local image, a pulled busybox, or the host\'s static busybox')
      .option('--only <patterns...>', 'only these capabilities: ids, globs (container.run.*) or sections (network), comma-separated or repeated')
      .option('--skip <patterns...>', 'skip these capabilities (same patterns as --only)')
      .option('-c, --concurrency <n>', 'probes run at once', '4')
      .option('-t, --timeout <duration>', 'deadline for the whole run (90s, 5m); undecided rows become "deadline"')
      .option('--probe-timeout <duration>', 'timeout for each probe', '90s')
      .option('--progress', 'show progress on stderr even when it is not a terminal')
      .addHelpText('after', `
Every resource a probe creates carries the label io.cap-probe.run=<run id> and the name prefix
cap-probe-<run id>-, and is removed when the run ends, however it ends.
${EXIT_CODES_HELP}`),
  ).action(async (flags: AllFlags) => setExit(await commandAll(flags)));

  outputOptions(program.command('list').description('print the capability catalogue: every row of the source document')).action((flags: OutputFlags) => setExit(commandList(flags)));
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((c) => {
    code = c;
  });
  program.exitOverride();
  program.configureOutput({
    writeErr: (text) => process.stderr.write(text),
    outputError: (text, write) => write(`cap-probe: ${text.replace(/^error: /, '')}`),
  });
  for (const sub of program.commands) {
    sub.exitOverride();
    sub.configureOutput({ outputError: (text, write) => write(`cap-probe: ${text.replace(/^error: /, '')}`) });
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, successfully.
      return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`cap-probe: ${error.message}\n`);
      return EXIT.badInput;
    }
    process.stderr.write(`cap-probe: internal error: ${(error as Error).message ?? String(error)}\n`);
    if (process.env.CAP_PROBE_DEBUG) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
    return EXIT.internalError;
  }
}

