// A plain JavaScript consumer of the installed tarball: imports every entry point and calls each
// factory. Run by scripts/check-package.ts with `node plain.mjs` in the temporary project.
import assert from "node:assert/strict";
import * as sdk from "device-flow-sdk";
import { amazon } from "device-flow-sdk/amazon";
import { auth0 } from "device-flow-sdk/auth0";
import { awsSso } from "device-flow-sdk/aws-sso";
import { fakts } from "device-flow-sdk/fakts";
import { idTokenVerifier, verifyIdToken } from "device-flow-sdk/identity";
import { github } from "device-flow-sdk/github";
import { google } from "device-flow-sdk/google";
import { keycloak } from "device-flow-sdk/keycloak";
import { microsoft } from "device-flow-sdk/microsoft";
import { okta } from "device-flow-sdk/okta";
import { twitch } from "device-flow-sdk/twitch";
import { rfc8628 } from "device-flow-sdk/rfc8628";
import { trakt } from "device-flow-sdk/trakt";
import { transparenc } from "device-flow-sdk/transparenc";
import pkg from "device-flow-sdk/package.json" with { type: "json" };

const providers = [
  rfc8628({ issuer: "https://auth.example.com", clientId: "tv-app" }),
  trakt({ clientId: "id", clientSecret: "secret" }),
  transparenc({
    baseUrl: "https://transparenc.example.com",
    clientId: "id",
    deviceType: "tv",
    deviceOs: "linux",
  }),
  fakts({
    baseUrl: "https://fakts.example.com/f/",
    manifest: { identifier: "org.example.app", version: "1.0.0" },
  }),
  github({ clientId: "Iv1.id" }),
  google({ clientId: "id.apps.googleusercontent.com", clientSecret: "secret" }),
  microsoft({ clientId: "00000000-0000-0000-0000-000000000000" }),
  auth0({ domain: "tenant.eu.auth0.com", clientId: "id" }),
  okta({ issuer: "https://example.okta.com/oauth2/default", clientId: "id" }),
  keycloak({ baseUrl: "https://sso.example.com", realm: "main", clientId: "id" }),
  amazon({ clientId: "amzn1.application-oa2-client.id" }),
  twitch({ clientId: "id" }),
  awsSso({ region: "eu-west-1", startUrl: "https://d-1234567890.awsapps.com/start" }),
];
assert.deepEqual(
  providers.map((provider) => provider.name),
  ["rfc8628", "trakt", "transparenc", "fakts", "github", "google", "microsoft", "auth0", "okta", "keycloak", "amazon", "twitch", "aws-sso"],
);
for (const name of ["startDeviceAuthorization", "pollForToken", "waitForToken", "refreshToken"]) {
  assert.equal(typeof sdk[name], "function", name);
}
// The subpath and the root share one copy of the code: an error thrown through one is an
// instance of the class exported by the other.
assert.equal(sdk.rfc8628, rfc8628);
// The identity entry: a verifier for rfc8628, and the root's verifyIdToken is the same function.
assert.equal(typeof idTokenVerifier().verify, "function");
assert.equal(sdk.verifyIdToken, verifyIdToken);
rfc8628({ issuer: "https://auth.example.com", clientId: "tv-app", idTokens: idTokenVerifier() });
assert.throws(
  () => rfc8628({ issuer: "http://auth.example.com", clientId: "tv-app" }),
  (error) => error instanceof sdk.ConfigurationError && error.code === "insecure_url",
);
console.log(
  `plain JS: ${pkg.name}@${pkg.version}, ${providers.length} providers, ${Object.keys(sdk).length} root exports`,
);
