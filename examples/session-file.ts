import { createSession, rfc8628 } from "device-flow-sdk";
import { fileStore } from "device-flow-sdk/node";

// Tokens kept across restarts in one file (mode 0600, replaced atomically). Processes sharing it
// take turns through a lock file, so two CLIs never both spend one single-use refresh token.
const session = createSession(rfc8628({ issuer: "https://auth.example.com", clientId: "my-cli" }), {
  store: fileStore("/home/me/.config/my-cli/tokens.json"),
  key: "default",
});

if ((await session.getToken()) === undefined) {
  await session.signIn({ onVerification: (a) => console.log(`Open ${a.verificationUri}, enter ${a.userCode}`) });
}
console.log(await session.getAccessToken());
