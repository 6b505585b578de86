/**
 * Which forward proxy a request goes through, by the rules the docker CLI and dockerd use
 * (Go's golang.org/x/net/http/httpproxy): HTTPS_PROXY for https, HTTP_PROXY for http, upper case before
 * lower case, NO_PROXY exceptions, and never a proxy for localhost or a loopback address.
 */
import { isIP } from 'node:net';

export interface ProxySettings {
  readonly http: string;
  readonly https: string;
  readonly no: string;
}

export interface ProxyChoice {
  /** The proxy URL, or null for a direct connection. */
  readonly proxy: string | null;
  /** Why: which variable or setting chose it, or which rule excluded the host. */
  readonly why: string;
}

const pick = (env: NodeJS.ProcessEnv, upper: string): string => env[upper] || env[upper.toLowerCase()] || '';

export function proxyFromEnv(env: NodeJS.ProcessEnv): ProxySettings {
  return { http: pick(env, 'HTTP_PROXY'), https: pick(env, 'HTTPS_PROXY'), no: pick(env, 'NO_PROXY') };
}

export function hasProxy(settings: ProxySettings): boolean {
  return Boolean(settings.http || settings.https);
}

/** A proxy URL as people write it (`proxy:3128`), with a scheme. */
function normaliseProxy(value: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
}

function ipToBigInt(ip: string): bigint | undefined {
  if (isIP(ip) === 4) return ip.split('.').reduce((acc, part) => (acc << 8n) + BigInt(Number(part)), 0n);
  return undefined;
}

function inCidr(host: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const hostValue = ipToBigInt(host);
  const baseValue = base ? ipToBigInt(base) : undefined;
  if (hostValue === undefined || baseValue === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const shift = BigInt(32 - bits);
  return hostValue >> shift === baseValue >> shift;
}

/** NO_PROXY matching as Go does it: `*`, CIDR, IP, `.domain` (subdomains), `domain` (itself and subdomains), optional :port. */
export function noProxyMatches(noProxy: string, host: string, port: string): string | undefined {
  const lowerHost = host.toLowerCase().replace(/^\[|\]$/g, '');
  for (const raw of noProxy.split(/[,\s]+/).filter(Boolean)) {
    const entry = raw.toLowerCase();
    if (entry === '*') return entry;
    if (entry.includes('/')) {
      if (inCidr(lowerHost, entry)) return entry;
      continue;
    }
    let name = entry;
    let entryPort = '';
    const portMatch = /^(.*):(\d+)$/.exec(entry);
    if (portMatch && isIP(entry) !== 6) {
      name = portMatch[1] ?? entry;
      entryPort = portMatch[2] ?? '';
    }
    if (entryPort && entryPort !== port) continue;
    if (isIP(name)) {
      if (name === lowerHost) return entry;
      continue;
    }
    const bare = name.replace(/^\*?\./, '');
    if (lowerHost === bare || lowerHost.endsWith(`.${bare}`)) return entry;
  }
  return undefined;
}

function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1';
}

/** The proxy a Go HTTP client configured with `settings` uses for `url`. */
export function chooseProxy(url: URL, settings: ProxySettings, origin: string): ProxyChoice {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  if (isLoopback(url.hostname)) return { proxy: null, why: `${url.hostname} is a loopback address: never proxied` };
  const variable = url.protocol === 'https:' ? 'HTTPS_PROXY' : 'HTTP_PROXY';
  const value = url.protocol === 'https:' ? settings.https : settings.http;
  if (!value) return { proxy: null, why: `no ${variable} in ${origin}` };
  const excluded = settings.no ? noProxyMatches(settings.no, url.hostname, port) : undefined;
  if (excluded) return { proxy: null, why: `NO_PROXY entry "${excluded}" (${origin}) excludes ${url.hostname}` };
  return { proxy: normaliseProxy(value), why: `${variable} (${origin})` };
}

/** A proxy URL fit for evidence: user and password removed. */
export function redactProxy(proxy: string): string {
  try {
    const url = new URL(proxy);
    if (url.username || url.password) {
      url.username = '***';
      url.password = '';
    }
    return url.toString().replace(/\/$/, '');
  } catch {
    return proxy.replace(/\/\/[^@/]*@/, '//***@');
  }
}
