/**
 * The command line. The only module that writes to stdout/stderr or sets the exit code.
 * stdout carries only the report; progress and errors go to stderr.
 */
import { Command, CommanderError, Option } from 'commander';
import { z } from 'zod';
import { toCapabilityResult } from './capability-result.js';
import { CATALOGUE, findCapability, type CapabilityId } from './catalogue.js';
import { diffMatrices, renderDiffJson, renderDiffText } from './diff.js';
import { evaluate, expectedIds, loadExpectations, renderCheckJson, renderCheckText } from './expectations.js';
import { isReason, renderExplain, renderReasonExplain } from './explain.js';
import { loadMatrix } from './matrix-file.js';
import { parseDuration, parsePositiveInt } from './duration.js';
import { UsageError } from './errors.js';
import { SECTION_TITLES } from './model.js';
import { parseCredentialsOption, parseRegistriesOption } from './registry/options.js';
import { writeFileAtomic } from './output.js';
import { REPORTERS, isReporterName, type ReporterName } from './reporters/index.js';
import { CapabilityResultSchema, ReportSchema, SCHEMA_VERSION, type CapabilityResult, type Report } from './report.js';
import { renderJsonlLine } from './reporters/jsonl.js';
import { junitXml } from './reporters/junit.js';
import { RunStop, type RunEvent } from './runner.js';
import { parsePatterns, selectCapabilities } from './select.js';
import { TOOL_VERSION } from './version.js';

export const EXIT = {
  ok: 0,
  internalError: 1,
  /** check: an expectation does not hold; diff --exit-code: the matrices differ. */
  checkFailed: 1,
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
  /** all: render this saved matrix instead of probing. */
  from?: string;
  registries?: string;
  pushTarget?: string;
  credentials?: string;
  loginRegistry?: string;
}

interface LiveRun {
  readonly report: Report;
  /** The exit code when Ctrl-C or --timeout ended the run early; undefined when it completed. */
  readonly stopCode: number | undefined;
}

/** Runs the selected probes against the engine, with Ctrl-C/--timeout handling and progress on stderr. */
async function runLive(flags: AllFlags, selected: Set<CapabilityId>, onEvent?: (event: RunEvent) => void): Promise<LiveRun> {
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
      // The registry probes' options (probes/registry-*.ts read them with zod).
      extraOptions: Object.fromEntries(Object.entries({ registries: flags.registries, pushTarget: flags.pushTarget, credentials: flags.credentials, loginRegistry: flags.loginRegistry }).filter(([, v]) => v !== undefined)),
      signal: controller.signal,
      onEvent: (event) => {
        progress.event(event);
        onEvent?.(event);
      },
      onPhase: progress.phase,
    });
  } finally {
    progress.clear();
    if (deadline) clearTimeout(deadline);
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
  if (!report.environment.engine.facts) {
    process.stderr.write(`cap-probe: no engine reachable (${report.environment.engine.attempts.map((a) => a.url).join(', ')}); engine capabilities are unsupported\n`);
  }
  const stop = controller.signal.reason as unknown;
  const stopCode = stop instanceof RunStop ? (stop.reason === 'deadline' ? EXIT.deadline : EXIT.interrupted) : undefined;
  return { report, stopCode };
}

/**
 * JSON Lines to stdout as the run goes: a row the moment its outcome is known, then (at the end) the rows no
 * probe decided. Each row is written once, the first time it is known.
 */
function jsonlStream() {
  const written = new Set<string>();
  const write = (row: CapabilityResult) => {
    if (written.has(row.id)) return;
    written.add(row.id);
    process.stdout.write(renderJsonlLine(row));
  };
  return {
    onEvent(event: RunEvent) {
      if (event.type !== 'outcome') return;
      const definition = findCapability(event.outcome.id);
      if (definition) write(CapabilityResultSchema.parse(toCapabilityResult(definition, event.outcome, event.probe)));
    },
    finish(report: Report) {
      for (const row of report.capabilities) write(row);
    },
  };
}

async function commandAll(flags: AllFlags): Promise<number> {
  const format = reporterName(flags);
  if (flags.from) {
    // Render a saved matrix in another format (e.g. the CI's JSON as Markdown or JUnit) without probing again.
    const saved = loadMatrix(flags.from);
    emit(REPORTERS[format](saved, { color: !flags.output && useColor(flags.color, process.stdout) }), flags);
    return EXIT.ok;
  }
  const selected = selectCapabilities(parsePatterns(flags.only), parsePatterns(flags.skip));
  const stream = format === 'jsonl' && !flags.output ? jsonlStream() : undefined;
  const { report, stopCode } = await runLive(flags, selected, stream?.onEvent);
  if (stream) stream.finish(report);
  else {
    const width = format === 'table' && process.stdout.isTTY ? process.stdout.columns : undefined;
    emit(REPORTERS[format](report, { color: !flags.output && useColor(flags.color, process.stdout), ...(width ? { width } : {}) }), flags);
  }
  return stopCode ?? EXIT.ok;
}

interface CheckFlags extends AllFlags {
  expect: string;
  from?: string;
}

const CHECK_FORMATS = ['text', 'json', 'junit'] as const;

/** check: exit 0 when every expectation holds, 1 when any does not, 2 on bad input. */
async function commandCheck(flags: CheckFlags): Promise<number> {
  const format = flags.json ? 'json' : (flags.format ?? 'text');
  if (!(CHECK_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format ${format}: check writes ${CHECK_FORMATS.join(', ')}`);
  const expectations = loadExpectations(flags.expect);
  let report: Report;
  let stopCode: number | undefined;
  if (flags.from) {
    if (flags.only || flags.skip) throw new UsageError('--only/--skip select what a live run probes; with --from the saved matrix is checked as it is');
    report = loadMatrix(flags.from);
  } else {
    let selected = expectedIds(expectations);
    if (flags.only || flags.skip) {
      const narrowed = selectCapabilities(parsePatterns(flags.only), parsePatterns(flags.skip));
      selected = new Set([...selected].filter((id) => narrowed.has(id)));
    }
    ({ report, stopCode } = await runLive(flags, selected));
  }
  const result = evaluate(report, expectations);
  const text = format === 'junit' ? junitXml(report, result) : format === 'json' ? renderCheckJson(result) : renderCheckText(result);
  emit(text, flags);
  if (format !== 'text' && result.failures.length && !flags.output) process.stderr.write(`cap-probe: ${result.failures.length} expectation(s) do not hold\n`);
  if (stopCode !== undefined) return stopCode;
  return result.failures.length === 0 ? EXIT.ok : EXIT.checkFailed;
}

interface DiffFlags extends OutputFlags {
  all?: boolean;
  exitCode?: boolean;
}

function commandDiff(files: string[], flags: DiffFlags): number {
  if (files.length < 2) throw new UsageError('diff needs at least two matrices (cap-probe all --json > a.json)');
  const inputs = files.map((file) => ({ label: file, report: loadMatrix(file) }));
  const result = diffMatrices(inputs, { all: Boolean(flags.all) });
  emit(flags.json ? renderDiffJson(result) : renderDiffText(result, { color: !flags.output && useColor(flags.color, process.stdout) }), flags);
  return flags.exitCode && result.differing > 0 ? EXIT.checkFailed : EXIT.ok;
}

function commandSchema(flags: { output?: string }): number {
  const schema = z.toJSONSchema(ReportSchema);
  emit(`${JSON.stringify({ ...schema, title: 'cap-probe capability matrix', description: `The JSON written by \`cap-probe all --json\` (schemaVersion ${SCHEMA_VERSION}).` }, null, 2)}\n`, flags);
  return EXIT.ok;
}

async function commandExplain(id: string, flags: { from?: string; output?: string }): Promise<number> {
  const capability = findCapability(id);
  if (!capability) {
    if (isReason(id)) {
      emit(renderReasonExplain(id), flags);
      return EXIT.ok;
    }
    const near = CATALOGUE.filter((c) => c.id.includes(id) || id.includes(c.id.split('.')[0] ?? '')).slice(0, 5).map((c) => c.id);
    throw new UsageError(`explain ${id}: no such capability or reason code${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; see \`cap-probe list\``);
  }
  const from = flags.from ? { label: flags.from, report: loadMatrix(flags.from) } : undefined;
  const { PROBES } = await import('../probes/index.js');
  const probe = PROBES.find((p) => p.decides.includes(capability.id as CapabilityId));
  emit(renderExplain({ capability, probe, from }), flags);
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

/** The options of a live run, shared by `all` and `check`. */
function liveRunOptions(command: Command): Command {
  return command
    .option('-H, --host <url>', 'engine address (unix:///path, tcp://host:port, ssh://user@host); default: DOCKER_HOST, the docker context, the usual sockets')
    .option('--image <ref>', "image for run-type probes (needs /bin/sh); default: a small local image, a pulled busybox, or the host's static busybox")
    .option('--only <patterns...>', 'only these capabilities: ids, globs (container.run.*) or sections (network), comma-separated or repeated')
    .option('--skip <patterns...>', 'skip these capabilities (same patterns as --only)')
    .option('-c, --concurrency <n>', 'probes run at once', '4')
    .option('-t, --timeout <duration>', 'deadline for the whole run (90s, 5m); undecided rows become "deadline"')
    .option('--probe-timeout <duration>', 'timeout for each probe', '90s')
    .option('--progress', 'show progress on stderr even when it is not a terminal')
    .option('--registries <file>', 'JSON file replacing registries of the Registry Access Matrix by key (see README)', parseRegistriesOption)
    .option('--push-target <ref>', 'registry/repository[:tag] to push a tiny image to (the only place cap-probe ever pushes)')
    .option('--credentials <file>', 'docker config.json-style file of registry credentials for private pulls, push and login (never printed)', parseCredentialsOption)
    .option('--login-registry <host>', 'the registry the login probes log in to (default: the first with credentials)');
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
  cap-probe check --expect document     does this environment match the source document? (exit 1 if not)
  cap-probe check --expect ci.json --from matrix.json   check a saved matrix against your expectations
  cap-probe diff a.json b.json          compare environments: only the rows that differ
  cap-probe all --format markdown       the document's own tables, filled from observation (also junit, jsonl)
  cap-probe schema                      the JSON Schema of the matrix
  cap-probe explain container.run.privileged --from matrix.json
${EXIT_CODES_HELP}`);

  outputOptions(
    liveRunOptions(program.command('all').description('run every probe and print the capability matrix'))
      .option('--from <matrix.json>', 'no probing: render a saved matrix (all --json) in the chosen --format')
      .addHelpText('after', `
Every resource a probe creates carries the label io.cap-probe.run=<run id> and the name prefix
cap-probe-<run id>-, and is removed when the run ends, however it ends.
${EXIT_CODES_HELP}`),
  ).action(async (flags: AllFlags) => setExit(await commandAll(flags)));

  liveRunOptions(program.command('check').description('check a live run or a saved matrix against expectations; exit 1 when any does not hold'))
    .requiredOption('-e, --expect <file|document>', 'JSON expectation file ({"expect": {"<id|glob|section>": "supported|unsupported|unknown|any"}}), or "document" for the source document\'s own claims')
    .option('--from <matrix.json>', 'check a saved matrix (cap-probe all --json) instead of probing')
    .option('--json', 'the result as JSON (same as --format json)')
    .addOption(new Option('-f, --format <name>', 'output format').choices([...CHECK_FORMATS]))
    .option('-o, --output <file>', 'write the result to a file (atomically) instead of stdout')
    .option('--no-color', 'no colour (also: NO_COLOR=1)')
    .addHelpText('after', `
Expectation keys are capability ids, globs (container.run.*) or sections (network); the exact id wins over a
glob, otherwise the key written last wins. Rows the document makes no yes/no claim on ("n/a") accept anything.
Exit codes:
  0    every expectation holds
  1    at least one does not (each is listed with the observed reason)
  2    bad input: unreadable or invalid expectation file or matrix, unknown option
  3    --timeout ran out during a live run; 130 interrupted`)
    .action(async (flags: CheckFlags) => setExit(await commandCheck(flags)));

  program
    .command('diff')
    .description('compare saved matrices side by side: by default only the rows whose verdict or reason differs')
    .argument('<matrices...>', 'two or more files written by `cap-probe all --json`')
    .option('-a, --all', 'show every row, not only the differing ones')
    .option('--exit-code', 'exit 1 when the matrices differ')
    .option('--json', 'the comparison as JSON')
    .option('-o, --output <file>', 'write the comparison to a file (atomically) instead of stdout')
    .option('--no-color', 'no colour (also: NO_COLOR=1)')
    .addHelpText('after', `
Exit codes: 0 compared (and, with --exit-code, no difference); 1 with --exit-code, the matrices differ;
2 bad input (unreadable file, not a matrix, a schemaVersion this cap-probe does not read).`)
    .action((files: string[], flags: DiffFlags) => setExit(commandDiff(files, flags)));

  program
    .command('schema')
    .description('print the JSON Schema (draft 2020-12) of the matrix `all --json` writes, generated from its zod schema')
    .option('-o, --output <file>', 'write it to a file (atomically) instead of stdout')
    .action((flags: { output?: string }) => setExit(commandSchema(flags)));

  program
    .command('explain')
    .description('what a capability means, what its probe does, the evidence of a saved verdict, and what to do about each reason')
    .argument('<id>', 'a capability id (see `cap-probe list`) or a reason code')
    .option('--from <matrix.json>', 'show the verdict and evidence from a saved matrix')
    .option('-o, --output <file>', 'write it to a file (atomically) instead of stdout')
    .action(async (id: string, flags: { from?: string; output?: string }) => setExit(await commandExplain(id, flags)));

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

