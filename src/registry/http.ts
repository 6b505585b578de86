/**
 * HTTP to registries, the way the docker client would send it: through the proxy its settings choose
 * (undici ProxyAgent, a CONNECT tunnel), with the registry's extra CA, bounded in time. Network failures
 * become reason codes here, naming the proxy when one was in the way.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';
import type { Reason, Status } from '../model.js';
import { classifyError, errorText } from '../errors.js';
import { chooseProxy, redactProxy, type ProxyChoice, type ProxySettings } from './proxy.js';

export interface HttpSettings {
  readonly proxies: ProxySettings;
  /** Where the proxy settings came from, said in evidence ("the environment", "the daemon"). */
  readonly proxyOrigin: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly via: string;
}

export interface NetFailure {
  readonly status: Status;
  readonly reason: Reason;
  readonly message: string;
}

/** Extra CA certificates of a registry, added to the system's (Node's own store plus NODE_EXTRA_CA_CERTS). */
export function caBundle(caFile: string | undefined): string[] | undefined {
  if (!caFile) return undefined;
  return [...rootCertificates, readFileSync(caFile, 'utf8')];
}

export class HttpClient {
  private readonly dispatchers = new Map<string, Dispatcher>();

  constructor(readonly settings: HttpSettings) {}

  proxyFor(url: string): ProxyChoice {
    return chooseProxy(new URL(url), this.settings.proxies, this.settings.proxyOrigin);
  }

  private dispatcher(proxy: string | null, ca: string[] | undefined, caKey: string): Dispatcher {
    const key = `${proxy ?? 'direct'}|${caKey}`;
    let found = this.dispatchers.get(key);
    if (!found) {
      const tlsOptions = ca ? { ca } : {};
      const common = { connect: { timeout: this.settings.timeoutMs, ...tlsOptions }, headersTimeout: this.settings.timeoutMs, bodyTimeout: this.settings.timeoutMs };
      found = proxy ? new ProxyAgent({ uri: proxy, ...common, requestTls: { ...tlsOptions, timeout: this.settings.timeoutMs } }) : new Agent(common);
      this.dispatchers.set(key, found);
    }
    return found;
  }

  /** One request; rejects with the network error (classify it with `classifyNetError`). */
  async send(url: string, options: { method?: 'GET' | 'HEAD' | 'POST' | 'DELETE'; headers?: Record<string, string>; caFile?: string } = {}): Promise<HttpAnswer> {
    const choice = this.proxyFor(url);
    const ca = caBundle(options.caFile);
    const timeout = AbortSignal.timeout(this.settings.timeoutMs);
    const signal = this.settings.signal ? AbortSignal.any([this.settings.signal, timeout]) : timeout;
    const answer = await request(url, {
      method: options.method ?? 'GET',
      headers: { 'user-agent': 'cap-probe', ...options.headers },
      dispatcher: this.dispatcher(choice.proxy, ca, options.caFile ?? ''),
      signal,
    }).catch((error: unknown) => {
      throw Object.assign(error instanceof Error ? error : new Error(String(error)), { proxy: choice.proxy, timedOut: timeout.aborted });
    });
    const body = options.method === 'HEAD' ? '' : (await answer.body.text()).slice(0, 64_000);
    if (options.method === 'HEAD') await answer.body.dump().catch(() => undefined);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    return { status: answer.statusCode, headers, body, via: choice.proxy ? `proxy ${redactProxy(choice.proxy)}` : 'direct' };
  }

  async close(): Promise<void> {
    await Promise.all([...this.dispatchers.values()].map((d) => d.close().catch(() => undefined)));
    this.dispatchers.clear();
  }
}

const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS|ERR_SSL|EPROTO|HOSTNAME|ALTNAME/;

function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    const name = (current as { name?: unknown }).name;
    if (typeof name === 'string') codes.push(name);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

function messagesOf(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    parts.push(errorText(current));
    current = typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined;
  }
  return parts.join(': ');
}

/** A network error as a reason code. `proxy` names the proxy in the message when one was used. */
export function classifyNetError(error: unknown): NetFailure {
  const proxy = (error as { proxy?: string | null }).proxy ?? null;
  const timedOut = Boolean((error as { timedOut?: boolean }).timedOut);
  const codes = codesOf(error);
  const message = messagesOf(error);
  const through = proxy ? ` (through proxy ${redactProxy(proxy)})` : '';
  const proxyStatus = /Proxy response \((\d{3})\)/i.exec(message)?.[1];
  if (proxyStatus) {
    const refused = proxyStatus === '403' || proxyStatus === '407';
    return {
      status: 'unsupported',
      reason: refused ? 'blocked-by-proxy' : 'not-reachable',
      message: refused ? `proxy ${redactProxy(proxy ?? '?')} refused the tunnel: ${proxyStatus}${proxyStatus === '407' ? ' Proxy Authentication Required' : ' Forbidden'}` : `proxy ${redactProxy(proxy ?? '?')} could not open the tunnel: ${proxyStatus}`,
    };
  }
  if (codes.some((c) => /^(ENOTFOUND|EAI_AGAIN|EAI_NODATA|EAI_NONAME|EAI_FAIL)$/.test(c))) return { status: 'unsupported', reason: 'dns', message: `${message}${through}` };
  if (codes.includes('ECONNREFUSED')) return { status: 'unsupported', reason: 'connection-refused', message: `${message}${through}` };
  if (codes.some((c) => TLS_CODE.test(c))) return { status: 'unsupported', reason: 'tls', message: `${message}${through}` };
  if (timedOut || codes.some((c) => /TIMEOUT|ETIMEDOUT|TimeoutError/i.test(c))) return { status: 'unknown', reason: 'timeout', message: `no answer in time${through}: ${message}` };
  if (codes.includes('AbortError')) return { status: 'unknown', reason: 'aborted', message };
  if (codes.some((c) => /^(ECONNRESET|EPIPE|UND_ERR_SOCKET|EHOSTUNREACH|ENETUNREACH)$/.test(c))) return { status: 'unsupported', reason: 'not-reachable', message: `${message}${through}` };
  // No code we know: the shared message table may still name the cause.
  const byMessage = classifyError(message);
  return { status: byMessage.status, reason: byMessage.reason, message: `${message}${through}` };
}
