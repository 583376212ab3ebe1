// A real JavaScript client (oauth4webapi) against the servers the Python tests started:
// discovery, private_key_jwt client authentication, a DPoP-bound token by client_credentials,
// and a protected-resource request with a fresh proof. Prints one JSON object.
import * as oauth from 'oauth4webapi'

const issuer = new URL(process.env.ISSUER)
const resource = new URL(process.env.RESOURCE_URL)
const clientKey = JSON.parse(process.env.CLIENT_KEY_JWK)
const insecure = { [oauth.allowInsecureRequests]: true } // loopback http in tests only

async function withNonceRetry (request) {
  try {
    return await request()
  } catch (err) {
    if (oauth.isDPoPNonceError(err)) return await request() // RFC 9449 §8: retry with it
    throw err
  }
}

const as = await oauth.processDiscoveryResponse(
  issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }))
const client = { client_id: process.env.CLIENT_ID }
const privateKey = await crypto.subtle.importKey(
  'jwk', clientKey, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign'])
const clientAuth = oauth.PrivateKeyJwt({ key: privateKey, kid: clientKey.kid })
const DPoP = oauth.DPoP(client, await oauth.generateKeyPair('ES256'))

const tokens = await withNonceRetry(async () => oauth.processClientCredentialsResponse(
  as, client, await oauth.clientCredentialsGrantRequest(
    as, client, clientAuth, { scope: 'read' }, { DPoP, ...insecure })))

const account = await withNonceRetry(async () => oauth.protectedResourceRequest(
  tokens.access_token, 'GET', new URL('/account', resource), new Headers(), null,
  { DPoP, ...insecure }))
const replayed = await fetch(new URL('/account', resource), {
  headers: { Authorization: `Bearer ${tokens.access_token}` }
})

console.log(JSON.stringify({
  token_type: tokens.token_type,
  account_status: account.status,
  account: await account.json(),
  bearer_status: replayed.status,
  bearer_challenge: replayed.headers.get('www-authenticate')
}))
