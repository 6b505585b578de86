// A minimal Docker registry token service (the "bearer" auth of CNCF Distribution), for the test environment only.
// Anonymous callers get pull tokens; callers with the test user's basic credentials get pull and push.
// Tokens are RS256 JWTs carrying the signing certificate in `x5c`; the registry trusts that certificate
// through `auth.token.rootcertbundle`.
//   node token-server.mjs <addr:port> <key.pem> <cert.pem> <service> <issuer> <user> <password-file>
import { createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [listen, keyFile, certFile, service, issuer, user, passwordFile] = process.argv.slice(2);
const [host, port] = listen.split(':');
const key = createPrivateKey(readFileSync(keyFile));
const certDer = new X509Certificate(readFileSync(certFile)).raw.toString('base64');
const password = readFileSync(passwordFile, 'utf8').trim();

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function token(access) {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', x5c: [certDer] };
  const claims = { iss: issuer, sub: '', aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access };
  const input = `${b64url(header)}.${b64url(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

createServer((request, response) => {
  const url = new URL(request.url ?? '/', `http://${listen}`);
  if (url.pathname !== '/token') {
    response.writeHead(404).end();
    return;
  }
  let allowed = ['pull'];
  const authorization = request.headers.authorization ?? '';
  if (authorization.startsWith('Basic ')) {
    const [u, ...rest] = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':');
    if (u !== user || rest.join(':') !== password) {
      response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ details: 'incorrect username or password' }));
      return;
    }
    allowed = ['pull', 'push'];
  }
  const access = url.searchParams.getAll('scope').flatMap((scope) => {
    const [type, name, actions] = scope.split(':');
    if (type !== 'repository' || !name || !actions) return [];
    return [{ type, name, actions: actions.split(',').filter((a) => allowed.includes(a)) }];
  });
  const issued = token(access);
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: issued, access_token: issued, expires_in: 300 }));
}).listen(Number(port), host);
