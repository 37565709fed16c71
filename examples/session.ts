import { createSession, DeviceFlowError, memoryStore, trakt } from "device-flow-sdk";

// A session keeps the user signed in: it saves every token set, refreshes before expiry (one
// refresh at a time, the rotated refresh token saved first) and revokes on sign-out.
const session = createSession(trakt({ clientId: "YOUR_TRAKT_CLIENT_ID", clientSecret: "YOUR_TRAKT_CLIENT_SECRET" }), {
  store: memoryStore(),
  key: "default",
  onTokens: (token) => console.log(`new token set, expires ${token.expiresAt ?? "never"}`),
});

const signedIn = await session.signIn({
  restartOnExpiry: 2,
  onVerification: (a) => console.log(`Go to ${a.verificationUri} and enter ${a.userCode}`),
});
if (signedIn.status !== "authorized") throw new Error(`not signed in: ${signedIn.status}`);

try {
  // A valid access token, refreshed when it expires within 60 s.
  const accessToken = await session.getAccessToken();
  await fetch("https://api.trakt.tv/users/settings", { headers: { Authorization: `Bearer ${accessToken}` } });
} catch (error) {
  if (error instanceof DeviceFlowError && error.code === "sign_in_required") console.error("Sign in again");
  else throw error;
}

const { revoked } = await session.signOut();
console.log(revoked ? "Signed out and revoked" : "Signed out (this provider could not revoke)");
