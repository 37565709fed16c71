import { refreshToken, startDeviceAuthorization, trakt, waitForToken } from "device-flow-sdk";

const provider = trakt({
  clientId: "YOUR_TRAKT_CLIENT_ID",
  clientSecret: "YOUR_TRAKT_CLIENT_SECRET",
});

const authorization = await startDeviceAuthorization(provider);
console.log(`Go to ${authorization.verificationUri} and enter ${authorization.userCode}`);

const result = await waitForToken(provider, authorization);
switch (result.status) {
  case "authorized":
    console.log("Signed in");
    break;
  case "denied":
    console.error("The user declined");
    break;
  case "expired":
    console.error("The code expired: start again");
    break;
  default:
    console.error(`Not signed in: ${result.status}`);
}

// Later, once the access token has expired:
if (result.status === "authorized" && result.token.refreshToken) {
  const refreshed = await refreshToken(provider, result.token.refreshToken);
  if (refreshed.status === "error") console.error(`Refresh failed: ${refreshed.error}`);
}
