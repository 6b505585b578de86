/**
 * The registries of the source document's Registry Access Matrix: their domains, the API host the engine
 * talks to, and a small public image each. A JSON file (`--registries`) replaces entries by key, so users
 * and tests can point the matrix at their own registries and mirrors.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError } from '../errors.js';

/** The matrix's rows, as the catalogue names them (`registry.<key>.<column>`). */
export const RegistryKeySchema = z.enum(['dockerhub', 'ghcr', 'gcr', 'mcr', 'ecr-public', 'ecr-private']);
export type RegistryKey = z.infer<typeof RegistryKeySchema>;
export const REGISTRY_KEYS = RegistryKeySchema.options;

/** `repository:tag`, repository relative to the registry (library/busybox, not docker.io/library/busybox). */
const ImageNameSchema = z.string().regex(/^[a-z0-9]+(?:[._\/-][a-z0-9]+)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'expected repository:tag, e.g. library/busybox:latest');
const HostPortSchema = z.string().regex(/^[A-Za-z0-9.-]+(?::\d{1,5})?$/, 'expected host or host:port');

export const RegistryEntrySchema = z
  .object({
    key: RegistryKeySchema,
    name: z.string().min(1),
    /** Where the Registry HTTP API (/v2/) answers: host or host:port. */
    api: HostPortSchema,
    scheme: z.enum(['https', 'http']).default('https'),
    /** Every domain the registry needs (auth, CDN, mirrors); each is resolved. Defaults to the API host. */
    domains: z.array(z.string().min(1)).optional(),
    /** The registry's name in image references, when it differs from the API host (docker.io). */
    pullPrefix: z.string().min(1).optional(),
    /** A small public image, `repository:tag`. */
    image: ImageNameSchema,
    /** An image that needs credentials, pulled only when credentials for this registry are given. */
    privateImage: ImageNameSchema.optional(),
    /** A PEM file of CA certificates to trust for this registry, in addition to the system's. */
    ca: z.string().min(1).optional(),
    /** Probe reachability only (DNS, TCP, TLS, the /v2/ challenge): no image is known to pull anonymously. */
    reachabilityOnly: z.boolean().default(false),
    /** An image whose manifest HEAD reports the caller's rate limit (Docker Hub's documented procedure). */
    rateLimitImage: ImageNameSchema.optional(),
  })
  .strict();
export type RegistryEntryInput = z.input<typeof RegistryEntrySchema>;
export type RegistryEntry = z.infer<typeof RegistryEntrySchema> & { readonly domains: string[] };

export const RegistriesFileSchema = z.object({ registries: z.array(RegistryEntrySchema).min(1) }).strict();

/** Private ECR: an account-specific host; AWS_ACCOUNT_ID / AWS_REGION name the user's own when set. */
function privateEcrHost(env: NodeJS.ProcessEnv): string {
  const account = /^\d{12}$/.test(env.AWS_ACCOUNT_ID ?? '') ? env.AWS_ACCOUNT_ID! : '000000000000';
  const region = /^[a-z]{2}(-[a-z]+)+-\d$/.test(env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? '') ? (env.AWS_REGION ?? env.AWS_DEFAULT_REGION)! : 'us-east-1';
  return `${account}.dkr.ecr.${region}.amazonaws.com`;
}

export function defaultRegistries(env: NodeJS.ProcessEnv = process.env): RegistryEntryInput[] {
  return [
    {
      key: 'dockerhub',
      name: 'Docker Hub',
      api: 'registry-1.docker.io',
      pullPrefix: 'docker.io',
      domains: ['registry-1.docker.io', 'auth.docker.io', 'index.docker.io', 'hub.docker.com', 'www.docker.com', 'production.cloudflare.docker.com', 'download.docker.com'],
      image: 'library/busybox:latest',
      rateLimitImage: 'ratelimitpreview/test:latest',
    },
    { key: 'ghcr', name: 'ghcr.io', api: 'ghcr.io', domains: ['ghcr.io'], image: 'testcontainers/ryuk:latest' },
    { key: 'gcr', name: 'gcr.io', api: 'gcr.io', domains: ['gcr.io', 'us.gcr.io', 'eu.gcr.io', 'asia.gcr.io'], image: 'distroless/static-debian12:latest' },
    { key: 'mcr', name: 'mcr.microsoft.com', api: 'mcr.microsoft.com', domains: ['mcr.microsoft.com'], image: 'cbl-mariner/distroless/minimal:2.0' },
    { key: 'ecr-public', name: 'public.ecr.aws', api: 'public.ecr.aws', domains: ['public.ecr.aws'], image: 'docker/library/busybox:latest' },
    { key: 'ecr-private', name: 'Private ECR', api: privateEcrHost(env), image: 'cap-probe/none:latest', reachabilityOnly: true },
  ];
}

function finish(entry: z.infer<typeof RegistryEntrySchema>): RegistryEntry {
  const apiHost = entry.api.replace(/:\d+$/, '');
  return { ...entry, domains: entry.domains?.length ? entry.domains : [apiHost] };
}

function issuePath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('') || '(top level)';
}

/** Parses a registries file's text; errors name the file and the path inside it. */
export function parseRegistriesFile(text: string, file: string): RegistryEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--registries ${file}: not JSON (${(error as Error).message})`);
  }
  const parsed = RegistriesFileSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new UsageError(`--registries ${file}: ${first ? `${issuePath(first.path)}: ${first.message}` : 'invalid'}`);
  }
  const keys = parsed.data.registries.map((r) => r.key);
  const twice = keys.find((k, i) => keys.indexOf(k) !== i);
  if (twice) throw new UsageError(`--registries ${file}: registries: key "${twice}" appears twice`);
  return parsed.data.registries.map(finish);
}

/** The registries to probe: the defaults, each replaced by the file's entry of the same key. */
export function loadRegistries(file: string | undefined, env: NodeJS.ProcessEnv = process.env): RegistryEntry[] {
  const defaults = defaultRegistries(env).map((e) => finish(RegistryEntrySchema.parse(e)));
  if (!file) return defaults;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--registries ${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const overrides = new Map(parseRegistriesFile(text, file).map((e) => [e.key, e]));
  return defaults.map((d) => overrides.get(d.key) ?? d);
}

export interface ImageName {
  readonly repository: string;
  readonly tag: string;
}

export function splitImage(image: string): ImageName {
  const at = image.lastIndexOf(':');
  return { repository: image.slice(0, at), tag: image.slice(at + 1) };
}

/** How the engine names the registry in image references. */
export function engineHost(entry: RegistryEntry): string {
  return entry.pullPrefix ?? entry.api;
}

export function apiBase(entry: RegistryEntry): string {
  return `${entry.scheme}://${entry.api}`;
}
