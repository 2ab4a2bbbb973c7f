// A local OpenID Connect provider standing in for a bank's identity provider.
//
// It is node's `oidc-provider` (a certified OpenID Provider implementation) with a small
// sign-in page of its own, so efactura's single sign-on can be shown in the demo and tested
// against a real provider: discovery, JWKS, the authorization-code flow with PKCE, an
// interactive login page, RP-initiated logout and back-channel logout.  Version 8 of
// oidc-provider is used because it runs on Debian 12's Node.js 18 as well as on newer ones.
//
// Usage: node server.mjs CONFIG.json
//
// The configuration file holds:
//   host, port          where to listen (default 127.0.0.1, port 0 = any free port)
//   issuer              the issuer URL (default http://HOST:PORT)
//   bank_name           name shown on the pages (default "Banco Demo")
//   clients             [{client_id, client_secret, redirect_uris, post_logout_redirect_uris,
//                         backchannel_logout_uri?}]
//   accounts            [{login, password, sub, claims: {name, email, national_id, ...}}]
//   scope_claims        {scope: [claim, ...]} (default: profile, email, and the custom
//                        "efactura" scope carrying national_id and company_tax_ids)
//   jwks                {keys: [private JWK, ...]} (default: an RSA key generated at start)
//   einvoice_url        when set, "/" is a small online-banking page whose E-INVOICE tab
//                        links to this address
//   id_token_ttl        seconds an ID token is valid (default 3600)
//
// With OIDC_PROVIDER_STOP_ON_EOF=1 it stops when its standard input closes.
//
// When it listens, one JSON line {"issuer": ..., "port": ...} is written to standard output;
// everything else goes to standard error.

import { generateKeyPairSync, randomBytes, randomUUID, createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const host = config.host ?? '127.0.0.1';
const bankName = config.bank_name ?? 'Banco Demo';
const accounts = config.accounts ?? [];
const scopeClaims = config.scope_claims ?? {
  profile: ['name', 'given_name', 'family_name'],
  email: ['email', 'email_verified'],
  efactura: ['national_id', 'company_tax_ids'],
};

function escapeHtml(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  })[c]);
}

function page(title, body) {
  return `<!doctype html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · ${escapeHtml(bankName)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#eef2f6;color:#1b2430}
header{background:#0b3d6e;color:#fff;padding:14px 24px;font-size:1.2em;font-weight:600}
main{max-width:420px;margin:32px auto;background:#fff;padding:24px 28px;border-radius:8px;box-shadow:0 1px 4px rgba(0,0,0,.15)}
main.wide{max-width:760px}
label{display:block;margin:12px 0 4px;font-weight:600}
input{width:100%;box-sizing:border-box;padding:8px;font-size:1em}
button,.button{margin-top:18px;padding:10px 16px;font-size:1em;background:#0b3d6e;color:#fff;border:0;border-radius:4px;cursor:pointer;text-decoration:none;display:inline-block}
.quiet{background:#dde3ea;color:#1b2430}
.error{background:#fde8e8;color:#8a1c1c;padding:8px 12px;border-radius:4px}
nav{display:flex;gap:4px;margin:0 0 20px;border-bottom:2px solid #0b3d6e}
nav a{padding:8px 14px;color:#0b3d6e;text-decoration:none;font-weight:600}
nav a.einvoice{background:#0b3d6e;color:#fff;border-radius:4px 4px 0 0}
.en{color:#5b6673;font-size:.9em}
</style>
</head>
<body><header>${escapeHtml(bankName)} · Banca online <span class="en">/ online banking</span></header>
${body}
</body>
</html>`;
}

function loginPage(uid, clientName, error = '', login = '') {
  const message = error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : '';
  return page('Acceso', `<main>
<h1>Acceso a la banca online <span class="en">/ Sign in to online banking</span></h1>
<p>${escapeHtml(clientName)} solicita su identificación. <span class="en">${escapeHtml(clientName)} asks who you are.</span></p>
${message}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" autocomplete="off">
<label for="login">Usuario / User</label>
<input id="login" name="login" value="${escapeHtml(login)}" required autofocus>
<label for="password">Clave / Password</label>
<input id="password" name="password" type="password" required>
<button type="submit">Entrar / Sign in</button>
</form>
<p><a href="/interaction/${escapeHtml(uid)}/abort">Cancelar / Cancel</a></p>
</main>`);
}

function digest(text) {
  return createHash('sha256').update(String(text)).digest();
}

function findByLogin(login, password) {
  const wanted = String(login ?? '').trim().toLowerCase();
  const account = accounts.find((a) => String(a.login).toLowerCase() === wanted);
  // Compare digests in constant time; an unknown login still costs one comparison.
  const ok = timingSafeEqual(digest(account?.password ?? randomUUID()), digest(password ?? ''));
  return account && ok ? account : undefined;
}

function defaultKeys() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' }] };
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

function configuration() {
  return {
    clients: (config.clients ?? []).map((client) => ({
      client_id: client.client_id,
      client_secret: client.client_secret,
      client_name: client.client_name ?? 'efactura',
      redirect_uris: client.redirect_uris,
      post_logout_redirect_uris: client.post_logout_redirect_uris ?? [],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: client.token_endpoint_auth_method ?? 'client_secret_basic',
      ...(client.backchannel_logout_uri
        ? { backchannel_logout_uri: client.backchannel_logout_uri, backchannel_logout_session_required: true }
        : {}),
    })),
    jwks: config.jwks ?? defaultKeys(),
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', ...Object.keys(scopeClaims)],
    claims: { ...scopeClaims, sid: null },
    // Claims of the granted scopes go into the ID token, as most banks' providers do.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    pkce: { required: () => true },
    ttl: { IdToken: config.id_token_ttl ?? 3600 },
    clientBasedCORS: () => false,
    // The provider's outgoing requests (back-channel logout) go to relying parties on the
    // loopback interface, which newer versions' SSRF protection would refuse: this provider is
    // local only.
    fetch: (url, options) => {
      const { dispatcher, ...rest } = options;
      return globalThis.fetch(url, rest);
    },
    features: {
      devInteractions: { enabled: false },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = 'html';
          ctx.body = page('Salir', `<main>
<h1>¿Cerrar la sesión de la banca online? <span class="en">/ Sign out of online banking?</span></h1>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Cerrar sesión / Sign out</button>
<button type="submit" form="op.logoutForm" class="quiet">Seguir conectado / Stay signed in</button>
</main>`);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html';
          ctx.body = page('Sesión cerrada', `<main>
<h1>Ha cerrado la sesión <span class="en">/ You are signed out</span></h1>
</main>`);
        },
      },
    },
    // The bank's own platform: consent is given at the branch when the customer is enrolled,
    // so no consent screen; the grant covers what the client asked for.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      const grant = (grantId && await ctx.oidc.provider.Grant.find(grantId))
        || new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope([...ctx.oidc.requestParamScopes].join(' '));
      if (ctx.oidc.requestParamClaims) grant.addOIDCClaims([...ctx.oidc.requestParamClaims]);
      await grant.save();
      return grant;
    },
    findAccount: async (ctx, sub) => {
      const account = accounts.find((a) => a.sub === sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ ...account.claims, sub }) };
    },
    interactions: { url: async (ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Error', `<main><h1>Error</h1>${Object.entries(out)
        .map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(value)}</p>`).join('')}</main>`);
    },
  };
}

async function handleOwnRoutes(provider, req, res) {
  const url = new URL(req.url, 'http://provider.invalid');
  if (req.method === 'GET' && url.pathname === '/') {
    const einvoice = config.einvoice_url
      ? `<a class="einvoice" href="${escapeHtml(config.einvoice_url)}">E-FACTURA / E-INVOICE</a>`
      : '';
    send(res, 200, page('Inicio', `<main class="wide">
<nav aria-label="Banca online"><a href="/">Cuentas / Accounts</a><a href="/">Tarjetas / Cards</a>${einvoice}</nav>
<h1>Bienvenido a su banca online <span class="en">/ Welcome to online banking</span></h1>
<p>Pulse la pestaña E-FACTURA para entrar en su plataforma de facturación electrónica.
<span class="en">Click the E-INVOICE tab to enter your e-invoicing platform.</span></p>
<p class="en">This is a demonstration identity provider, not a real bank.</p>
</main>`));
    return true;
  }
  const match = url.pathname.match(/^\/interaction\/([\w-]+)(\/login|\/abort)?$/);
  if (!match) return false;
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== match[1]) {
    send(res, 400, page('Error', '<main><h1>Error</h1><p>Sesión caducada / Session expired.</p></main>'));
    return true;
  }
  const client = await provider.Client.find(details.params.client_id);
  const clientName = client?.clientName ?? details.params.client_id;
  if (match[2] === '/abort') {
    await provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'The customer cancelled the sign-in.',
    }, { mergeWithLastSubmission: false });
    return true;
  }
  if (match[2] === '/login' && req.method === 'POST') {
    const form = await readForm(req);
    const account = findByLogin(form.get('login'), form.get('password'));
    if (!account) {
      send(res, 401, loginPage(details.uid, clientName,
        'Usuario o clave incorrectos. / Wrong user or password.', form.get('login') ?? ''));
      return true;
    }
    await provider.interactionFinished(req, res, { login: { accountId: account.sub } },
      { mergeWithLastSubmission: false });
    return true;
  }
  send(res, 200, loginPage(details.uid, clientName));
  return true;
}

const server = http.createServer();
server.listen(config.port ?? 0, host, () => {
  const { port } = server.address();
  const issuer = config.issuer ?? `http://${host}:${port}`;
  const provider = new Provider(issuer, configuration());
  provider.on('backchannel.error', (ctx, error, client) => {
    process.stderr.write(`oidc-provider: back-channel logout to ${client.clientId} failed: ${error.message} ${error.cause?.message ?? ""}\n`);
  });
  provider.on('backchannel.success', (ctx, client) => {
    process.stderr.write(`oidc-provider: back-channel logout sent to ${client.clientId}\n`);
  });
  const oidc = provider.callback();
  server.on('request', (req, res) => {
    handleOwnRoutes(provider, req, res)
      .then((handled) => { if (!handled) oidc(req, res); })
      .catch((error) => {
        process.stderr.write(`oidc-provider: ${error.stack ?? error}\n`);
        if (!res.headersSent) send(res, 400, page('Error', `<main><h1>Error</h1><p>${escapeHtml(error.message)}</p></main>`));
      });
  });
  process.stdout.write(`${JSON.stringify({ issuer, port })}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(0));
}
// Started with a pipe as standard input (efactura does so), the provider stops when the pipe
// closes, so it never outlives the process that started it, even one that was killed.
if (process.env.OIDC_PROVIDER_STOP_ON_EOF === '1') {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}
