import { startDeviceAuthorization, transparenc, waitForToken } from "device-flow-sdk";

const provider = transparenc({
  baseUrl: "https://transparenc.example.org",
  clientId: "YOUR_CLIENT_ID",
  deviceType: "tv",
  deviceOs: "linux",
});

const authorization = await startDeviceAuthorization(provider);
console.log(`Visit ${authorization.verificationUri} and type ${authorization.userCode}`);

// Give up after five minutes; onPoll reports every answer, e.g. to a progress UI.
const signal = AbortSignal.timeout(5 * 60_000);
try {
  const result = await waitForToken(provider, authorization, {
    signal,
    onPoll: (poll) => console.log(`poll: ${poll.status}`),
  });
  console.log(result.status === "authorized" ? "Signed in" : `Not signed in: ${result.status}`);
} catch (error) {
  // An abort rejects with the signal's reason (here a TimeoutError): anything else is a bug.
  if (!signal.aborted) throw error;
  console.log("Gave up: nobody approved within five minutes");
}
