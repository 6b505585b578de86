/**
 * Reading a saved matrix (`cap-probe all --json > matrix.json`) back in: for check, diff and explain.
 * The schema version is checked before anything else, so a matrix from another cap-probe release is refused
 * with a message that says so, not with a list of field errors.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { UsageError } from './errors.js';
import { ReportSchema, SCHEMA_VERSION, type Report } from './report.js';

/** `capabilities[3].status`: a zod issue path as a reader finds it in the file. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) text += text ? `.${key}` : key;
    else text += `[${JSON.stringify(String(key))}]`;
  }
  return text || '(top level)';
}

/** One line per issue, each naming where in the file it is. */
export function describeIssues(source: string, error: z.ZodError): string {
  return error.issues.map((issue) => `${source}: at ${formatPath(issue.path)}: ${issue.message}`).join('\n');
}

export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${path}: not valid JSON: ${(error as Error).message}`);
  }
}

/** Validates a parsed matrix; `source` names it in messages (a file name). */
export function parseMatrix(data: unknown, source: string): Report {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new UsageError(`${source}: not a cap-probe matrix (expected a JSON object from \`cap-probe all --json\`)`);
  const version = (data as { schemaVersion?: unknown }).schemaVersion;
  if (version === undefined) throw new UsageError(`${source}: not a cap-probe matrix (no schemaVersion; produce one with \`cap-probe all --json\`)`);
  if (version !== SCHEMA_VERSION) {
    throw new UsageError(
      `${source}: matrix schemaVersion ${JSON.stringify(version)} is not supported: this cap-probe reads schemaVersion ${SCHEMA_VERSION}. ` +
        'Re-run `cap-probe all --json` with this version, or use the cap-probe release that wrote the file.',
    );
  }
  const parsed = ReportSchema.safeParse(data);
  if (!parsed.success) throw new UsageError(`${source}: not a valid schemaVersion ${SCHEMA_VERSION} matrix:\n${describeIssues(source, parsed.error)}`);
  return parsed.data;
}

export function loadMatrix(path: string): Report {
  return parseMatrix(readJsonFile(path, 'matrix'), path);
}
