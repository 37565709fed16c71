import { microsoft, startDeviceAuthorization, waitForToken } from "device-flow-sdk";

// Microsoft Entra ID: a public client registration; "organizations", "consumers" or a tenant id.
const provider = microsoft({ clientId: "00000000-0000-0000-0000-000000000000", tenant: "organizations" });

const authorization = await startDeviceAuthorization(provider, { scope: "openid offline_access User.Read" });
// Entra writes its own (localised) instructions; show them, or build yours from the fields.
console.log(authorization.message ?? `Open ${authorization.verificationUri} and enter ${authorization.userCode}`);

const result = await waitForToken(provider, authorization);
// authorization_declined is "denied", bad_verification_code "invalid_code", as for every provider.
console.log(result.status === "authorized" ? "Signed in" : `Not signed in: ${result.status}`);
