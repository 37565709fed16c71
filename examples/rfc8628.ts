import { rfc8628, startDeviceAuthorization, waitForToken } from "device-flow-sdk";

// Any RFC 8628 server: its endpoints come from the issuer's metadata (RFC 8414).
const provider = rfc8628({ issuer: "https://auth.example.com", clientId: "my-tv-app" });

const authorization = await startDeviceAuthorization(provider, { scope: "openid offline_access" });
console.log(`Open ${authorization.verificationUri} and enter ${authorization.userCode}`);

// Polls at the server's pace (slow_down adds 5 s) until the user answers or the code expires.
const result = await waitForToken(provider, authorization);
if (result.status === "authorized") {
  console.log(`Signed in; scope: ${result.token.scope ?? "as requested"}`);
} else {
  console.error(`Not signed in: ${result.status}`);
}
