/**
 * Whether traffic goes through an HTTP(S) proxy: the environment's HTTP_PROXY / HTTPS_PROXY / NO_PROXY
 * (either case, as the docker CLI reads them) and the daemon's own proxy settings (docker info), and
 * whether each proxy named answers. Proxy URLs are reported without their user and password.
 */
import { connect } from 'node:net';
import { defineProbe, supported, unsupported } from '../src/define-probe.js';
import { probeEnv, registryOptions } from '../src/registry/options.js';
import { hasProxy, proxyFromEnv, redactProxy, type ProxySettings } from '../src/registry/proxy.js';

const CONNECT_TIMEOUT_MS = 1_500;

function answers(proxy: string): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`);
  } catch {
    return Promise.resolve(`not a URL`);
  }
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port });
    const done = (error?: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(error);
    };
    const timer = setTimeout(() => done(`no answer within ${CONNECT_TIMEOUT_MS} ms`), CONNECT_TIMEOUT_MS);
    socket.once('connect', () => done());
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

function describe(settings: ProxySettings): Record<string, string> {
  return {
    ...(settings.http ? { http: redactProxy(settings.http) } : {}),
    ...(settings.https ? { https: redactProxy(settings.https) } : {}),
    ...(settings.no ? { no: settings.no } : {}),
  };
}

export default defineProbe({
  id: 'egress-proxy',
  title: 'HTTP(S) egress proxy: environment and daemon settings, and whether the proxy answers',
  decides: ['security.egress-proxy'],
  needs: [],
  async run(ctx) {
    const env = probeEnv(registryOptions(ctx.options));
    const client = proxyFromEnv(env);
    const daemon = ctx.engine?.facts.proxies ?? null;
    const tried = ['env | grep -i _proxy', ...(ctx.engine ? ['docker info (HTTP Proxy, HTTPS Proxy, No Proxy)'] : [])];
    const facts: Record<string, unknown> = { environment: describe(client), daemon: daemon ? describe(daemon) : 'no engine' };
    const named = [...new Set([client.http, client.https, daemon?.http ?? '', daemon?.https ?? ''].filter(Boolean))];
    if (!hasProxy(client) && !(daemon && hasProxy(daemon))) {
      return [unsupported('security.egress-proxy', 'not-found', 'no proxy is configured: neither HTTP(S)_PROXY in the environment nor a proxy in the daemon', { tried, facts: { ...facts, summary: 'no proxy' } })];
    }
    const checks = await Promise.all(named.map(async (p) => [redactProxy(p), await answers(p)] as const));
    const silent = checks.filter(([, error]) => error !== undefined);
    const where = [hasProxy(client) ? 'the environment' : '', daemon && hasProxy(daemon) ? 'the daemon' : ''].filter(Boolean).join(' and ');
    const probeFacts = { ...facts, reachable: Object.fromEntries(checks.map(([p, error]) => [p, error ?? 'answers'])) };
    if (silent.length === checks.length) {
      return [unsupported('security.egress-proxy', 'not-reachable', `a proxy is configured in ${where}, but none answers: ${silent.map(([p, e]) => `${p} (${e})`).join(', ')}`, { tried: [...tried, ...named.map((p) => `connect ${redactProxy(p)}`)], facts: { ...probeFacts, summary: 'configured, not answering' } })];
    }
    return [supported('security.egress-proxy', `traffic is sent through ${checks.map(([p]) => p).join(', ')} (configured in ${where})`, { tried: [...tried, ...named.map((p) => `connect ${redactProxy(p)}`)], facts: { ...probeFacts, summary: where } })];
  },
});
