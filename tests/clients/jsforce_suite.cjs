// jsforce 3 against the practice org: password (with #&+%= and a space in it), the wrong-password
// error, the web server flow with PKCE (and its id_token checked against /id/keys), refresh,
// identity() on a token-only connection, limits, and revoke.
// Env: ORG_URL (My Domain), LOGIN_URL (login host stand-in). Prints PASS/FAIL lines; exit 1 on a failure.
'use strict';
const crypto = require('node:crypto');
const jsforce = require('jsforce');

const ORG_URL = process.env.ORG_URL;
const LOGIN_URL = process.env.LOGIN_URL;
const SYMBOLS_USER = 'symbols@practice.example';
const SYMBOLS_PASSWORD = 'Sym #&+%= bol-1';
const SYMBOLS_TOKEN = 'SYMBOLSTOKEN1';
const CALLBACK = 'http://localhost:1717/OauthRedirect';

let failed = 0;
async function step(name, fn) {
  try {
    const detail = await fn();
    console.log(`PASS jsforce ${jsforce.VERSION}: ${name}${detail ? ` (${detail})` : ''}`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL jsforce ${jsforce.VERSION}: ${name}: ${e && e.stack ? e.stack : e}`);
  }
}
function check(cond, what) {
  if (!cond) throw new Error(`expected ${what}`);
}

function passwordOAuth2() {
  return new jsforce.OAuth2({
    loginUrl: LOGIN_URL,
    clientId: 'practice-password',
    clientSecret: 'practice-password-secret',
  });
}

/** Verify an RS256 JWT against the org's JWKS; returns its claims. */
async function verifyIdToken(idToken) {
  const [h, p, s] = idToken.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  const discovery = await (await fetch(`${LOGIN_URL}/.well-known/openid-configuration`)).json();
  const jwks = await (await fetch(discovery.jwks_uri)).json();
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  check(jwk, `a key ${header.kid} in ${discovery.jwks_uri}`);
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  const ok = crypto.verify('RSA-SHA256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'));
  check(ok, 'the id_token signature to verify against /id/keys');
  const claims = JSON.parse(Buffer.from(p, 'base64url'));
  check(claims.iss === discovery.issuer, `iss ${claims.iss} = issuer ${discovery.issuer}`);
  return claims;
}

(async () => {
  let password = {};
  await step('password login (OAuth 2.0) with #&+%= and a space in the password', async () => {
    const conn = new jsforce.Connection({ oauth2: passwordOAuth2() });
    const info = await conn.login(SYMBOLS_USER, SYMBOLS_PASSWORD + SYMBOLS_TOKEN);
    check(info.organizationId && info.organizationId.startsWith('00D'), 'an org id');
    const who = await conn.identity();
    check(who.username === SYMBOLS_USER, `identity() username ${who.username}`);
    password = conn;
    return `user ${info.id}`;
  });

  await step('wrong password gives invalid_grant / authentication failure', async () => {
    const conn = new jsforce.Connection({ oauth2: passwordOAuth2() });
    try {
      await conn.login(SYMBOLS_USER, 'wrong');
    } catch (e) {
      check(e.name === 'invalid_grant', `error name invalid_grant, got ${e.name}`);
      check(e.message === 'authentication failure', `message "authentication failure", got ${e.message}`);
      return `${e.name}: ${e.message}`;
    }
    throw new Error('the login succeeded');
  });

  let web = {};
  await step('web server flow with PKCE, and the id_token verifies against /id/keys', async () => {
    const oauth2 = new jsforce.OAuth2({
      loginUrl: LOGIN_URL,
      clientId: 'practice-web',
      redirectUri: CALLBACK,
      useVerifier: true,
    });
    const authUrl = oauth2.getAuthorizationUrl({ scope: 'api refresh_token openid', state: 'st1', nonce: 'n-1' });
    check(authUrl.includes('code_challenge='), 'a code_challenge in the authorize URL');
    const res = await fetch(authUrl, { redirect: 'manual' });
    const location = res.headers.get('location') || '';
    check(res.status === 302 && location.startsWith(CALLBACK), `a redirect to the callback, got ${res.status} ${location}`);
    const back = new URL(location);
    check(back.searchParams.get('state') === 'st1', 'the state back');
    const code = back.searchParams.get('code');
    const tokens = await oauth2.requestToken(code);
    check(tokens.refresh_token, 'a refresh token');
    check(tokens.id_token, 'an id_token for the openid scope');
    const claims = await verifyIdToken(tokens.id_token);
    check(claims.aud === 'practice-web' && claims.nonce === 'n-1', `aud and nonce, got ${JSON.stringify(claims)}`);
    check(tokens.id.startsWith(LOGIN_URL), `the identity URL on the login host, got ${tokens.id}`);
    web = { oauth2, tokens };
    return `sub ${claims.sub}`;
  });

  await step('refresh token', async () => {
    const res = await web.oauth2.refreshToken(web.tokens.refresh_token);
    check(res.access_token && res.access_token !== web.tokens.access_token, 'a new access token');
    const conn = new jsforce.Connection({ instanceUrl: res.instance_url, accessToken: res.access_token });
    const limits = await conn.limits();
    check(limits.DailyApiRequests, 'limits with the refreshed token');
    web.refreshed = res.access_token;
  });

  await step('identity() on a connection built from an access token only', async () => {
    const conn = new jsforce.Connection({ instanceUrl: ORG_URL, accessToken: web.tokens.access_token });
    const who = await conn.identity();
    check(who.username === 'admin@practice.example', `username, got ${who.username}`);
    check(who.organization_id && who.user_id, 'org and user ids');
    return who.username;
  });

  await step('limits()', async () => {
    const limits = await password.limits();
    const daily = limits.DailyApiRequests;
    check(daily && daily.Max > 0 && daily.Remaining <= daily.Max, `DailyApiRequests, got ${JSON.stringify(daily)}`);
    return `DailyApiRequests ${daily.Remaining}/${daily.Max}`;
  });

  await step('revoke the refresh token: its sessions end, a second revoke is unsupported_token_type', async () => {
    const conn = new jsforce.Connection({
      oauth2: web.oauth2,
      instanceUrl: web.tokens.instance_url,
      accessToken: web.refreshed,
      refreshToken: web.tokens.refresh_token,
    });
    await conn.logout(true);
    const stale = new jsforce.Connection({ instanceUrl: ORG_URL, accessToken: web.refreshed });
    let ended = false;
    try {
      await stale.limits();
    } catch (e) {
      ended = e.errorCode === 'INVALID_SESSION_ID';
    }
    check(ended, 'the access token issued with the refresh token to be revoked too');
    try {
      await web.oauth2.revokeToken(web.tokens.refresh_token);
    } catch (e) {
      check(e.name === 'unsupported_token_type', `unsupported_token_type, got ${e.name}`);
      check(e.message === 'this token type is not supported', `the description, got ${e.message}`);
      return `${e.name}: ${e.message}`;
    }
    throw new Error('the second revoke succeeded');
  });

  process.exit(failed ? 1 : 0);
})();
