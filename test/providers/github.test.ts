/**
 * github() against a loopback imitation of GitHub's device flow wire (research/providers.md §1):
 * form-urlencoded answers unless the request's Accept asks for JSON (GH1), every value a string in
 * form bodies (GH1, GH6), poll errors with HTTP 200 (GH2, GH6, GH10), `slow_down` carrying the new
 * interval (GH1, GH6), comma-separated scope and lowercase `bearer` (GH1), GitHub Apps' expiring
 * tokens (GH3), refresh without a secret (GH4).
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  OAuthError,
  pollForToken,
  refreshToken,
  startDeviceAuthorization,
  waitForToken,
  type DeviceAuthorization,
  type PollResult,
} from "../../src/index.ts";
import { github, githubErrorCodes, type GitHubOptions } from "../../src/providers/github.ts";
import { scaledClock, type ScaledClock } from "../support/fault-clock.ts";
import {
  formReply,
  gapsBetween,
  json,
  startImitation,
  type Imitation,
  type ImitationRequest,
  type Reply,
} from "../support/imitation-server.ts";

const CLIENT_ID = "Iv1.b507a08c87ecfe98";
const DEVICE_CODE = "3584d83530557fdd1f46af8289938c8ef79f9dc5"; // 40 chars, GH1
const USER_CODE = "WDJB-MJHT";
const DEVICE = "POST /login/device/code";
const TOKEN = "POST /login/oauth/access_token";
const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

type Fields = Record<string, string | number>;
/** One scripted token-endpoint answer: its fields (always HTTP 200 on GitHub, GH2). */
type Step = Fields | ((request: ImitationRequest) => Reply);

interface GitHubImitation extends Imitation {
  /** Polls that came sooner than the interval in force (GitHub answers those slow_down, GH1). */
  early: number;
}

/**
 * GitHub as documented: JSON only when Accept asks for it (or never, with `ignoreAccept`, like
 * GitHub to a client that sends no Accept); polls sooner than the interval in force get a
 * slow_down of their own with the increased interval (GH1 "adds 5 seconds"). Single-poll tests,
 * which poll at once on purpose, turn that off with `rateCheck: false`.
 */
async function imitateGitHub(
  steps: Step[],
  options: {
    clock?: ScaledClock;
    ignoreAccept?: boolean;
    interval?: number;
    deviceFlowDisabled?: boolean;
    rateCheck?: boolean;
  } = {},
): Promise<GitHubImitation> {
  const now = options.clock?.now ?? Date.now;
  let interval = options.interval ?? 5;
  let last: number | undefined;
  let poll = 0;
  const answer = (request: ImitationRequest, status: number, fields: Fields): Reply => {
    const wantsJson =
      !options.ignoreAccept && /application\/json/.test(request.headers.accept ?? "");
    return wantsJson ? json(status, fields) : formReply(status, fields);
  };
  const state = { early: 0 };
  const imitation = await startImitation(
    {
      [DEVICE]: (request) => {
        last = request.at;
        if (request.form?.client_id !== CLIENT_ID) {
          return answer(request, 400, { error: "incorrect_client_credentials" });
        }
        if (options.deviceFlowDisabled) {
          // GH11: an app without Device Flow enabled is refused at the first request, with 400.
          return answer(request, 400, {
            error: "device_flow_disabled",
            error_description: "Device Flow must be explicitly enabled for this App",
          });
        }
        return answer(request, 200, {
          device_code: DEVICE_CODE,
          user_code: USER_CODE,
          verification_uri: "https://github.com/login/device",
          expires_in: 899,
          interval,
        });
      },
      [TOKEN]: (request) => {
        const early = last !== undefined && request.at - last < interval * 1000;
        last = request.at;
        if (early && options.rateCheck !== false && request.form?.grant_type === DEVICE_GRANT) {
          state.early += 1;
          interval += 5;
          return answer(request, 200, {
            error: "slow_down",
            error_description: "Too many requests",
            interval,
          });
        }
        const step = steps[Math.min(poll++, steps.length - 1)]!;
        if (typeof step === "function") return step(request);
        if (step.error === "slow_down") {
          interval += 5;
          return answer(request, 200, { ...step, interval });
        }
        return answer(request, 200, step);
      },
    },
    { now },
  );
  return Object.defineProperty(imitation, "early", { get: () => state.early }) as GitHubImitation;
}

const pending = {
  error: "authorization_pending",
  error_description: "The authorization request is still pending.",
};
const slowDown = {
  error: "slow_down",
  error_description: "Too many requests have been made in the same timeframe.",
};
const oauthAppToken = {
  access_token: "gho_16C7e42F292c6912E7710c838347Ae178B4a",
  token_type: "bearer",
  scope: "repo,gist",
};
const githubAppToken = {
  access_token: "ghu_16C7e42F292c6912E7710c838347Ae178B4a",
  expires_in: 28800,
  refresh_token: "ghr_1B4a2e77838347a7E420ce178F2E7c6912E169246c34E1ccbF66C46812d16D5B1A9Dc86A1498",
  refresh_token_expires_in: 15811200,
  scope: "",
  token_type: "bearer",
};

let imitation: GitHubImitation | undefined;
afterEach(async () => {
  await imitation?.close();
  imitation = undefined;
});

function provider(extra: Partial<GitHubOptions> = {}) {
  if (!imitation) throw new Error("no imitation");
  return github({ clientId: CLIENT_ID, baseUrl: imitation.origin, ...extra });
}

/** Starts a flow; returns the authorization and the polls' results as the loop reported them. */
async function signIn(clock: ScaledClock, extra: Partial<GitHubOptions> = {}) {
  const gh = provider(extra);
  const authorization = await startDeviceAuthorization(gh, { scope: "repo gist" });
  const polls: PollResult[] = [];
  const result = await waitForToken(gh, authorization, {
    clock,
    onPoll: (poll) => polls.push(poll),
  });
  return { authorization, polls, result };
}

/** RFC 8628 §3.5 as the imitation saw it: no poll sooner than the interval in force. */
function expectPaced(intervals: number[]) {
  if (!imitation) throw new Error("no imitation");
  const [start] = imitation.to(DEVICE);
  const gaps = gapsBetween(imitation.to(TOKEN), start!.at);
  expect(gaps).toHaveLength(intervals.length);
  gaps.forEach((gap, i) =>
    expect(gap, `gap before poll ${i + 1}`).toBeGreaterThanOrEqual(intervals[i]! * 1000),
  );
  expect(imitation.early).toBe(0);
}

describe("github(): the requests", () => {
  it("asks for a device code at /login/device/code as a public client, asking for JSON", async () => {
    imitation = await imitateGitHub([pending]);
    await startDeviceAuthorization(provider(), { scope: "repo read:org" });
    const [request] = imitation.to(DEVICE);
    expect(request?.headers.accept).toBe("application/json");
    expect(request?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.form).toEqual({ client_id: CLIENT_ID, scope: "repo read:org" });
  });

  it("polls /login/oauth/access_token with client_id, device_code and the RFC 8628 grant type, nothing else", async () => {
    imitation = await imitateGitHub([pending], { rateCheck: false });
    const gh = provider();
    const authorization = await startDeviceAuthorization(gh);
    await pollForToken(gh, authorization);
    const [poll] = imitation.to(TOKEN);
    expect(poll?.headers.accept).toBe("application/json");
    expect(poll?.headers.authorization).toBeUndefined();
    expect(poll?.formAll).toEqual({
      client_id: [CLIENT_ID],
      device_code: [DEVICE_CODE],
      grant_type: [DEVICE_GRANT],
    });
  });

  it("keeps a GitHub Enterprise Server baseUrl's origin and path, trailing slash or not", async () => {
    imitation = await imitateGitHub([pending]);
    await startDeviceAuthorization(provider({ baseUrl: `${imitation.origin}//` }));
    expect(imitation.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      DEVICE,
    ]);
  });

  it("stays a public client even when a JavaScript caller passes a secret", async () => {
    imitation = await imitateGitHub([pending]);
    const options = {
      clientId: CLIENT_ID,
      baseUrl: imitation.origin,
      clientSecret: "not-for-github",
    } as GitHubOptions;
    await startDeviceAuthorization(github(options));
    const [request] = imitation.to(DEVICE);
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.form).toEqual({ client_id: CLIENT_ID });
  });
});

describe("github(): a whole sign-in", () => {
  it("JSON answers: pending → slow_down (new interval in the body) → an OAuth app token", async () => {
    const clock = scaledClock(100);
    imitation = await imitateGitHub([pending, slowDown, oauthAppToken], { clock });
    const { authorization, polls, result } = await signIn(clock);

    expect(authorization).toMatchObject({
      userCode: USER_CODE,
      verificationUri: "https://github.com/login/device",
      expiresIn: 899,
      interval: 5,
    });
    expect(authorization.verificationUriComplete).toBeUndefined();
    expect(polls.map((poll) => poll.status)).toEqual(["pending", "slow_down", "authorized"]);
    expect(polls[1]).toEqual({ status: "slow_down", interval: 10 });
    expect(result.status).toBe("authorized");
    if (result.status !== "authorized") return;
    expect(result.token.accessToken).toBe(oauthAppToken.access_token);
    expect(result.token.tokenType).toBe("Bearer");
    expect(result.token.scope).toBe("repo gist");
    expect(result.token.expiresIn).toBeUndefined();
    expect(result.token.refreshToken).toBeUndefined();
    expect(authorization.interval).toBe(5);
    expectPaced([5, 5, 10]);
    // Every answer was JSON (Accept honoured) and HTTP 200, errors included (GH2).
    expect(
      imitation.requests.every((request) =>
        /json/.test(request.reply?.headers?.["Content-Type"] ?? ""),
      ),
    ).toBe(true);
    expect(imitation.to(TOKEN).every((poll) => poll.reply?.status === 200)).toBe(true);
  });

  it("form-urlencoded answers (GitHub's default, here ignoring Accept): string numbers, interval=22, token", async () => {
    const clock = scaledClock(100);
    imitation = await imitateGitHub([pending, slowDown, oauthAppToken], {
      clock,
      ignoreAccept: true,
      interval: 17,
    });
    const { authorization, polls, result } = await signIn(clock);

    expect(imitation.to(DEVICE)[0]?.reply?.headers?.["Content-Type"]).toMatch(
      /x-www-form-urlencoded/,
    );
    expect(imitation.to(DEVICE)[0]?.reply?.body).toContain("expires_in=899&interval=17");
    expect(authorization).toMatchObject({ expiresIn: 899, interval: 17 });
    // The slow_down form body says interval=22 (17 + 5, GH1's own example value).
    expect(imitation.to(TOKEN)[1]?.reply?.body).toContain("interval=22");
    expect(polls[1]).toEqual({ status: "slow_down", interval: 22 });
    expect(result).toMatchObject({
      status: "authorized",
      token: { tokenType: "Bearer", scope: "repo gist" },
    });
    expectPaced([17, 17, 22]);
  });

  it("a caller's Accept: */* gets form answers, and the flow still authorizes", async () => {
    const clock = scaledClock(100);
    imitation = await imitateGitHub([oauthAppToken], { clock });
    const { result } = await signIn(clock, { headers: { Accept: "*/*" } });
    expect(imitation.requests.map((request) => request.headers.accept)).toEqual(["*/*", "*/*"]);
    expect(
      imitation.requests.every((request) =>
        /x-www-form-urlencoded/.test(request.reply?.headers?.["Content-Type"] ?? ""),
      ),
    ).toBe(true);
    expect(result).toMatchObject({
      status: "authorized",
      token: { accessToken: oauthAppToken.access_token, scope: "repo gist" },
    });
  });

  it("a GitHub App's expiring token (GH3), then a refresh without a secret that rotates (GH4)", async () => {
    const clock = scaledClock(100);
    const rotated = {
      ...githubAppToken,
      access_token: "ghu_rotated",
      refresh_token: "ghr_rotated",
    };
    imitation = await imitateGitHub(
      [
        pending,
        githubAppToken,
        (request) =>
          request.form?.grant_type === "refresh_token" ? json(200, rotated) : json(200, pending),
      ],
      { clock },
    );
    const { result } = await signIn(clock);
    expect(result.status).toBe("authorized");
    if (result.status !== "authorized") return;
    expect(result.token).toMatchObject({
      tokenType: "Bearer",
      expiresIn: 28800,
      refreshToken: githubAppToken.refresh_token,
    });
    expect(result.token.raw).toMatchObject({ refresh_token_expires_in: 15811200 });

    const refreshed = await refreshToken(provider(), githubAppToken.refresh_token);
    expect(refreshed).toMatchObject({
      status: "authorized",
      token: { accessToken: "ghu_rotated", refreshToken: "ghr_rotated" },
    });
    const refresh = imitation.to(TOKEN).at(-1);
    expect(refresh?.form).toEqual({
      grant_type: "refresh_token",
      refresh_token: githubAppToken.refresh_token,
      client_id: CLIENT_ID,
    });
  });

  it.each([
    ["access_denied", { status: "denied" }],
    ["expired_token", { status: "expired" }],
    ["token_expired", { status: "expired" }],
    ["incorrect_device_code", { status: "invalid_code" }],
  ] as const)("ends on 200 {error: %s} through waitForToken", async (error, expected) => {
    const clock = scaledClock(100);
    imitation = await imitateGitHub(
      [pending, { error, error_description: `GitHub says ${error}` }],
      { clock },
    );
    const { result } = await signIn(clock);
    expect(result).toEqual({ ...expected, description: `GitHub says ${error}` });
    expectPaced([5, 5]);
  });
});

describe("github(): its own error codes", () => {
  async function pollOnce(step: Step, ignoreAccept = false): Promise<PollResult> {
    imitation = await imitateGitHub([step], { ignoreAccept, rateCheck: false });
    const gh = provider();
    const authorization: DeviceAuthorization = await startDeviceAuthorization(gh);
    return pollForToken(gh, authorization);
  }

  it.each([
    ["device_flow_disabled", "enable Device Flow"],
    ["incorrect_client_credentials", "Client ID"],
    ["unsupported_grant_type", "grant_type=urn:ietf:params:oauth:grant-type:device_code"],
    ["unauthorized_client", "GitHub Enterprise Server"],
  ])("200 {error: %s} stops with a description that says what to fix", async (error, hint) => {
    for (const ignoreAccept of [false, true]) {
      const result = await pollOnce({ error, error_description: "from GitHub" }, ignoreAccept);
      expect(result).toMatchObject({ status: "error", error, httpStatus: 200, retryable: false });
      expect(result.status === "error" && result.description).toContain("from GitHub (");
      expect(result.status === "error" && result.description).toContain(hint);
      await imitation?.close();
      imitation = undefined;
    }
  });

  it("a 400 device_flow_disabled at the device endpoint (GH11) is an OAuthError that says what to fix", async () => {
    for (const ignoreAccept of [false, true]) {
      imitation = await imitateGitHub([pending], { deviceFlowDisabled: true, ignoreAccept });
      const failure = await startDeviceAuthorization(provider()).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(OAuthError);
      expect(failure).toMatchObject({
        code: "device_flow_disabled",
        httpStatus: 400,
        retryable: false,
      });
      expect((failure as OAuthError).description).toBe(
        `Device Flow must be explicitly enabled for this App (${githubErrorCodes.device_flow_disabled.fix})`,
      );
      expect(imitation.to(TOKEN)).toHaveLength(0);
      await imitation.close();
      imitation = undefined;
    }
  });

  it("the caller's rows override GitHub's", async () => {
    imitation = await imitateGitHub([{ error: "incorrect_device_code" }], { rateCheck: false });
    const gh = provider({ errorCodes: { incorrect_device_code: "expired" } });
    const result = await pollForToken(gh, await startDeviceAuthorization(gh));
    expect(result).toEqual({ status: "expired" });
  });

  it("an unknown code with 200 is a non-retryable error, never authorized", async () => {
    const result = await pollOnce({ error: "something_new" });
    expect(result).toMatchObject({
      status: "error",
      error: "something_new",
      httpStatus: 200,
      retryable: false,
    });
  });
});
