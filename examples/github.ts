import { github, startDeviceAuthorization, waitForToken } from "device-flow-sdk";

// GitHub: enable "Device Flow" in the app's settings; no client secret is needed.
const provider = github({ clientId: "Iv1.0123456789abcdef" });

const authorization = await startDeviceAuthorization(provider, { scope: "read:user" });
console.log(`Open ${authorization.verificationUri} and enter ${authorization.userCode}`);

// GitHub answers errors with HTTP 200, sends its new interval with slow_down and a
// comma-separated scope: the preset reads all of it into the same union.
const result = await waitForToken(provider, authorization);
if (result.status === "authorized") {
  console.log(`Signed in; scope: ${result.token.scope ?? "none"}`);
} else if (result.status === "error") {
  console.error(`Not signed in: ${result.error} ${result.description ?? ""}`);
} else {
  console.error(`Not signed in: ${result.status}`);
}
