/** Pure parsing of what registries answer: auth challenges, rate-limit headers, manifests. */

export type AuthMethod = 'none' | 'basic' | 'bearer' | 'other';

export interface Challenge {
  readonly method: AuthMethod;
  readonly scheme?: string;
  readonly realm?: string;
  readonly service?: string;
  readonly scope?: string;
}

/** Parses `WWW-Authenticate: Bearer realm="…",service="…"` (quoted or bare values). */
export function parseChallenge(header: string | undefined): Challenge {
  if (!header) return { method: 'other' };
  const match = /^\s*([A-Za-z]+)\s*(.*)$/.exec(header);
  const scheme = match?.[1] ?? '';
  const params: Record<string, string> = {};
  for (const p of (match?.[2] ?? '').matchAll(/([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[(p[1] ?? '').toLowerCase()] = p[2] ?? p[3] ?? '';
  }
  const lower = scheme.toLowerCase();
  const method: AuthMethod = lower === 'bearer' ? 'bearer' : lower === 'basic' ? 'basic' : 'other';
  return {
    method,
    scheme,
    ...(params.realm !== undefined ? { realm: params.realm } : {}),
    ...(params.service !== undefined ? { service: params.service } : {}),
    ...(params.scope !== undefined ? { scope: params.scope } : {}),
  };
}

export function describeChallenge(challenge: Challenge): string {
  switch (challenge.method) {
    case 'none':
      return 'none (anonymous)';
    case 'basic':
      return `basic${challenge.realm ? ` (realm ${challenge.realm})` : ''}`;
    case 'bearer':
      return `bearer token${challenge.realm ? ` via ${hostOf(challenge.realm)}` : ''}`;
    default:
      return `other (${challenge.scheme || 'no challenge'})`;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export interface RateLimitQuota {
  readonly limit: number;
  readonly windowSeconds?: number;
}

export interface RateLimits {
  readonly limit?: RateLimitQuota;
  readonly remaining?: RateLimitQuota;
  readonly source?: string;
  readonly reset?: string;
  readonly retryAfter?: string;
  /** The raw headers the numbers came from. */
  readonly headers: Readonly<Record<string, string>>;
}

/** `100;w=21600` → { limit: 100, windowSeconds: 21600 }; plain numbers too. */
export function parseQuota(value: string | undefined): RateLimitQuota | undefined {
  if (!value) return undefined;
  const match = /^\s*(\d+)(?:\s*;\s*w\s*=\s*(\d+))?/.exec(value);
  if (!match?.[1]) return undefined;
  return { limit: Number(match[1]), ...(match[2] ? { windowSeconds: Number(match[2]) } : {}) };
}

const LIMIT_HEADERS = ['ratelimit-limit', 'x-ratelimit-limit'];
const REMAINING_HEADERS = ['ratelimit-remaining', 'x-ratelimit-remaining'];
const RESET_HEADERS = ['ratelimit-reset', 'x-ratelimit-reset'];

/** Rate-limit headers as sent (Docker Hub's `ratelimit-*`, the common `x-ratelimit-*`), or undefined when there are none. */
export function parseRateLimits(headers: Readonly<Record<string, string>>): RateLimits | undefined {
  const first = (names: string[]) => names.map((n) => headers[n]).find((v) => v !== undefined);
  const raw: Record<string, string> = {};
  for (const name of [...LIMIT_HEADERS, ...REMAINING_HEADERS, ...RESET_HEADERS, 'docker-ratelimit-source', 'retry-after']) {
    if (headers[name] !== undefined) raw[name] = headers[name]!;
  }
  if (!first(LIMIT_HEADERS) && !first(REMAINING_HEADERS)) return undefined;
  const limit = parseQuota(first(LIMIT_HEADERS));
  const remaining = parseQuota(first(REMAINING_HEADERS));
  const reset = first(RESET_HEADERS);
  return {
    ...(limit ? { limit } : {}),
    ...(remaining ? { remaining } : {}),
    ...(headers['docker-ratelimit-source'] ? { source: headers['docker-ratelimit-source'] } : {}),
    ...(reset ? { reset } : {}),
    ...(headers['retry-after'] ? { retryAfter: headers['retry-after'] } : {}),
    headers: raw,
  };
}

function duration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

export function describeRateLimits(limits: RateLimits | undefined): string {
  if (!limits) return 'none announced';
  const parts: string[] = [];
  if (limits.limit) parts.push(`${limits.limit.limit}${limits.limit.windowSeconds ? `/${duration(limits.limit.windowSeconds)}` : ''}`);
  if (limits.remaining) parts.push(`${limits.remaining.limit} left`);
  return parts.join(', ') || 'announced';
}

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === 'application/vnd.oci.image.index.v1+json' || mediaType === 'application/vnd.docker.distribution.manifest.list.v2+json';
}

/** The platforms an index lists, as os/arch[/variant]; attestation entries (unknown/unknown) left out. */
export function indexPlatforms(body: string): string[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return [];
  }
  const manifests = (json as { manifests?: Array<{ platform?: { os?: string; architecture?: string; variant?: string } }> }).manifests ?? [];
  return manifests
    .map((m) => m.platform)
    .filter((p): p is { os: string; architecture: string; variant?: string } => Boolean(p?.os && p.architecture) && p?.os !== 'unknown')
    .map((p) => [p.os, p.architecture, p.variant].filter(Boolean).join('/'));
}
