import { fakts, startDeviceAuthorization, waitForToken } from "device-flow-sdk";

const provider = fakts({
  baseUrl: "https://arkitekt.example.org/f/",
  manifest: { identifier: "org.example.my-app", version: "1.0.0" },
});

const authorization = await startDeviceAuthorization(provider);
// fakts links straight to the code: no typing needed.
console.log(
  `Approve this app at ${authorization.verificationUriComplete ?? authorization.verificationUri}`,
);

const result = await waitForToken(provider, authorization);
console.log(result.status === "authorized" ? "Configured" : `Not configured: ${result.status}`);
