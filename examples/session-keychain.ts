import { createSession, github } from "device-flow-sdk";
import { keychainStore } from "device-flow-sdk/node";

// The OS credential store (macOS Keychain, Windows Credential Manager, Secret Service on Linux).
// Without one it fails with keychain_unavailable: it never falls back to a plaintext file.
const store = keychainStore({ service: "my-app" });
await store.check(); // before signing in, so an approved code never yields a token that cannot be kept

const session = createSession(github({ clientId: "Iv1.0123456789abcdef" }), { store, key: "default" });
await session.signIn({ onVerification: (a) => console.log(`Open ${a.verificationUri}, enter ${a.userCode}`) });
