/**
 * The command-line options the registry probes read (passed by the CLI through runAll's extraOptions),
 * and the credentials they name. Credentials stay in memory: never printed, logged or written.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { ProbeOptions } from '../define-probe.js';
import { UsageError } from '../errors.js';
import { loadRegistries, type RegistryEntry } from './registries.js';

const RegistryOptionsSchema = z.object({
  /** --registries <file> */
  registries: z.string().min(1).optional(),
  /** --push-target <registry/repository:tag> */
  pushTarget: z.string().min(1).optional(),
  /** --credentials <file>: a docker config.json-style file with `auths` entries. */
  credentials: z.string().min(1).optional(),
  /** --login-registry <host[:port]>: the registry the login probes log in to. */
  loginRegistry: z.string().min(1).optional(),
  /** The environment whose proxy variables the probes honour (tests pass their own; default process.env). */
  env: z.record(z.string(), z.string()).optional(),
});
export type RegistryOptions = z.infer<typeof RegistryOptionsSchema>;

export function registryOptions(options: ProbeOptions): RegistryOptions {
  const parsed = RegistryOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`registry options: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`);
  }
  return parsed.data;
}

export function probeEnv(options: RegistryOptions): NodeJS.ProcessEnv {
  return options.env ?? process.env;
}

/** The credentials file, in the environment when no option names one. */
export function credentialsFile(options: RegistryOptions): string | undefined {
  return options.credentials ?? probeEnv(options).CAP_PROBE_CREDENTIALS ?? undefined;
}

export function registriesFor(options: RegistryOptions): RegistryEntry[] {
  return loadRegistries(options.registries ?? probeEnv(options).CAP_PROBE_REGISTRIES, probeEnv(options));
}

export interface Credential {
  readonly username: string;
  readonly password: string;
  /** Where it came from, for evidence: a file path and a host, never the secret. */
  readonly source: string;
}

const AuthEntrySchema = z.object({
  auth: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  identitytoken: z.string().optional(),
});
const CredentialsFileSchema = z.object({ auths: z.record(z.string(), AuthEntrySchema) });

/** Reduces `https://index.docker.io/v1/`, `docker.io`, `host:port/` to a comparable host. */
export function normaliseRegistryHost(value: string): string {
  const host = value.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
  return host === 'index.docker.io' || host === 'registry-1.docker.io' || host === 'docker.io' ? 'docker.io' : host;
}

export type CredentialLookup = (host: string) => Credential | undefined;

/**
 * Reads a docker config.json-style credentials file. Credential helpers are not run: a user who keeps
 * secrets in a helper names a file of their own. A file that cannot be read or parsed is bad input.
 */
export function loadCredentials(file: string | undefined): CredentialLookup {
  if (!file) return () => undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`--credentials ${file}: cannot read it as JSON (${(error as NodeJS.ErrnoException).code ?? 'parse error'})`);
  }
  const parsed = CredentialsFileSchema.safeParse(json);
  if (!parsed.success) throw new UsageError(`--credentials ${file}: expected {"auths": {"<registry>": {"auth": "<base64 user:password>"}}}`);
  const byHost = new Map<string, Credential>();
  for (const [registry, entry] of Object.entries(parsed.data.auths)) {
    let username = entry.username;
    let password = entry.password ?? entry.identitytoken;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        username = decoded.slice(0, colon);
        password = decoded.slice(colon + 1);
      }
    }
    if (username && password) byHost.set(normaliseRegistryHost(registry), { username, password, source: `${file} (${registry})` });
  }
  return (host) => byHost.get(normaliseRegistryHost(host));
}

/** Command-line parsers: a bad file is bad input (exit 2) before any probe runs, named with the path inside it. */
export function parseRegistriesOption(file: string): string {
  loadRegistries(file);
  return file;
}

export function parseCredentialsOption(file: string): string {
  loadCredentials(file);
  return file;
}
