// A relying party built on openid-client 6.x, driven by tests/test_oidc_relying_parties.py.
//
// Input (one JSON line on stdin): {issuer, client_id, client_secret, redirect_uri,
// post_logout_redirect_uri}. It prints one JSON line with the authorization URL, reads one
// line back (the callback URL the browser was sent to), then does the relying party's part:
// the code grant with PKCE, state and nonce, the ID token's validation (signature included),
// UserInfo, a refresh and the end-session URL. Last, it hands the library ID tokens altered
// in nonce, audience, issuer or signature and reports how each was refused. It prints one
// JSON line with everything, and exits 0 unless something unexpected happened.
import * as crypto from 'node:crypto'
import * as readline from 'node:readline'
import * as client from 'openid-client'

const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]()
const readLine = async () => (await lines.next()).value
const say = (value) => process.stdout.write(JSON.stringify(value) + '\n')

async function configure(input, fetchImpl) {
  const options = { execute: [client.allowInsecureRequests] } // plain http on loopback
  if (fetchImpl) options[client.customFetch] = fetchImpl
  // The client is registered for client_secret_basic, and the server holds it to that.
  const config = await client.discovery(
    new URL(input.issuer), input.client_id, undefined,
    client.ClientSecretBasic(input.client_secret), options)
  // Check ID-token signatures against the JWKS, not only the TLS channel (Core §3.1.3.7).
  client.enableNonRepudiationChecks(config)
  if (fetchImpl) config[client.customFetch] = fetchImpl
  return config
}

async function signIn(input) {
  const config = await configure(input)
  const verifier = client.randomPKCECodeVerifier()
  const checks = {
    pkceCodeVerifier: verifier,
    expectedNonce: client.randomNonce(),
    expectedState: client.randomState(),
    idTokenExpected: true,
  }
  say({
    authorization_url: client.buildAuthorizationUrl(config, {
      redirect_uri: input.redirect_uri,
      scope: 'openid profile email',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce: checks.expectedNonce,
      state: checks.expectedState,
    }).href,
  })
  const callback = new URL(await readLine())
  const tokens = await client.authorizationCodeGrant(config, callback, checks)
  const claims = tokens.claims()
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub)
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token)
  const logout = client.buildEndSessionUrl(config, {
    id_token_hint: refreshed.id_token,
    post_logout_redirect_uri: input.post_logout_redirect_uri,
    state: 'signed-out-state',
  })
  return { config, checks, callback, tokens, claims, userinfo, refreshed, logout }
}

const b64url = (buffer) => Buffer.from(buffer).toString('base64url')
const parts = (jwt) => jwt.split('.')

// An ID token with one claim changed, signed by a key the relying party is made to trust
// (added to the JWKS it fetches), so that only the claim check can refuse it.
function resigned(idToken, change, key) {
  const [header, payload] = parts(idToken).slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url')))
  const input = `${b64url(JSON.stringify({ ...header, kid: key.kid }))}.${b64url(JSON.stringify({ ...payload, ...change }))}`
  return `${input}.${b64url(crypto.sign('sha256', Buffer.from(input), key.privateKey))}`
}

function badSignature(idToken) {
  const [header, payload, signature] = parts(idToken)
  const bytes = Buffer.from(signature, 'base64url')
  bytes[0] ^= 0xff
  return `${header}.${payload}.${b64url(bytes)}`
}

// The token endpoint answers with `response` (the real server is not asked); the JWKS gets
// the test key besides the server's own.
function interposed(response, key) {
  return async (url, options) => {
    if (String(url).endsWith('/token')) {
      return new Response(JSON.stringify(response), {
        status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      })
    }
    const answer = await fetch(url, options)
    if (!String(url).endsWith('/jwks.json')) return answer
    const jwks = await answer.json()
    jwks.keys.push({ ...key.publicJwk, kid: key.kid, alg: 'RS256', use: 'sig' })
    return new Response(JSON.stringify(jwks), { status: 200, headers: { 'content-type': 'application/json' } })
  }
}

async function refusals(input, flow) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
  const key = { privateKey, publicJwk: publicKey.export({ format: 'jwk' }), kid: 'relying-party-test-key' }
  const idToken = flow.tokens.id_token
  const altered = {
    nonce: resigned(idToken, { nonce: 'another-nonce' }, key),
    audience: resigned(idToken, { aud: 'another-client' }, key),
    issuer: resigned(idToken, { iss: 'http://127.0.0.1:1' }, key),
    signature: badSignature(idToken),
    untouched_but_resigned: resigned(idToken, {}, key),
  }
  const outcome = {}
  for (const [name, token] of Object.entries(altered)) {
    const response = {
      access_token: flow.tokens.access_token, token_type: 'Bearer', expires_in: 60, id_token: token,
    }
    const config = await configure(input, interposed(response, key))
    try {
      await client.authorizationCodeGrant(config, flow.callback, flow.checks)
      outcome[name] = 'accepted'
    } catch (error) {
      // openid-client wraps oauth4webapi's error, whose `cause` names the claim.
      const inner = error.cause instanceof Error ? error.cause : error
      outcome[name] = `${inner.code ?? inner.name}: ${inner.message} (claim: ${inner.cause?.claim})`
    }
  }
  return outcome
}

const input = JSON.parse(await readLine())
const flow = await signIn(input)
say({
  id_token_header: JSON.parse(Buffer.from(parts(flow.tokens.id_token)[0], 'base64url')),
  claims: flow.claims,
  userinfo: flow.userinfo,
  refreshed_claims: flow.refreshed.claims(),
  refresh_token_rotated: flow.refreshed.refresh_token !== flow.tokens.refresh_token,
  logout_url: flow.logout.href,
  refusals: await refusals(input, flow),
})
process.exit(0)
