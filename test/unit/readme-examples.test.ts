// The README's quick starts are the files in examples/, which `npm run typecheck` compiles: this
// keeps the README from showing code that no longer type-checks. The examples whose server URL is
// their only tie to the outside world also run, against a loopback imitation of that server.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  startDeviceServer,
  type DeviceServer,
  type ScriptOptions,
} from "../support/device-server.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const examples = readdirSync(new URL("../../examples/", import.meta.url)).filter((f) =>
  f.endsWith(".ts"),
);

describe("README quick starts", () => {
  it("shows every example", () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
  });

  it.each(examples)("examples/%s is in the README verbatim", (file) => {
    const name = file.replace(/\.ts$/, "");
    const block = readme.match(
      new RegExp(`<!-- example:${name} -->\\n\`\`\`ts\\n([\\s\\S]*?)\`\`\`\\n<!-- /example -->`),
    );
    const source = readFileSync(new URL(`../../examples/${file}`, import.meta.url), "utf8");
    expect(block?.[1]).toBe(source);
  });
});

const servers: DeviceServer[] = [];
const scratch = mkdtempSync(join(tmpdir(), "readme-examples-"));
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  rmSync(scratch, { recursive: true, force: true });
});

let runs = 0;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs examples/<name>.ts as written, with two textual changes only: the package import points
 * at src/, and each `[from, to]` replacement is applied (the example's server URL becomes the
 * loopback server's origin). Replacing text rather than mocking modules keeps every other line
 * of the example exactly what the README shows; a replacement that matches nothing fails, so the
 * harness cannot drift from the example silently.
 */
async function runExample(name: string, replacements: [string, string][]): Promise<Run> {
  let source = readFileSync(join(ROOT, "examples", `${name}.ts`), "utf8");
  source = source.replace(
    /from "device-flow-sdk"/g,
    `from ${JSON.stringify(join(ROOT, "src/index.ts"))}`,
  );
  for (const [from, to] of replacements) {
    expect(source, `examples/${name}.ts no longer contains ${from}`).toContain(from);
    source = source.split(from).join(to);
  }
  // .mts: outside the package, a .ts file would be CommonJS, which has no top-level await.
  const file = join(scratch, `${name}-${(runs += 1)}.mts`);
  writeFileSync(file, source);
  const child = spawn(
    process.execPath,
    ["--import", join(ROOT, "node_modules/tsx/dist/loader.mjs"), file],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const limit = setTimeout(() => child.kill("SIGKILL"), 30_000);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(limit);
      resolve({ code, stdout, stderr });
    }),
  );
}

async function server(options: ScriptOptions): Promise<DeviceServer> {
  const started = await startDeviceServer(options);
  servers.push(started);
  return started;
}

describe.concurrent("README quick starts, run against loopback servers", () => {
  it("rfc8628: discovery, the code, and the token's scope", { timeout: 40_000 }, async () => {
    const s = await server({ steps: ["pending", "authorized"] });
    const run = await runExample("rfc8628", [["https://auth.example.com", s.origin]]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `Open ${s.origin}/device and enter WDJB-MJHT\nSigned in; scope: openid profile\n`,
    );
    expect(s.requests[0]?.path).toBe("/.well-known/oauth-authorization-server");
    expect(s.polls()).toBe(2);
  });

  it("transparenc: every poll reported, then signed in", { timeout: 40_000 }, async () => {
    const s = await server({ dialect: "transparenc", steps: ["pending", "authorized"] });
    const run = await runExample("transparenc", [["https://transparenc.example.org", s.origin]]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `Visit ${s.origin}/device and type WDJB-MJHT\npoll: pending\npoll: authorized\nSigned in\n`,
    );
  });

  it(
    "transparenc: its own timeout ends the wait with 'gave up', not a crash",
    { timeout: 40_000 },
    async () => {
      const s = await server({ dialect: "transparenc", steps: ["pending"], expiresIn: 600 });
      // Five minutes made 2.5 s, so the example's own AbortSignal.timeout fires during the wait.
      const run = await runExample("transparenc", [
        ["https://transparenc.example.org", s.origin],
        ["AbortSignal.timeout(5 * 60_000)", "AbortSignal.timeout(2_500)"],
      ]);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^poll: pending\n/m);
      expect(run.stdout.endsWith("Gave up: nobody approved within five minutes\n")).toBe(true);
    },
  );

  it("fakts: the page with the code, then configured", { timeout: 40_000 }, async () => {
    const s = await server({ dialect: "fakts", steps: ["pending", "authorized"] });
    const run = await runExample("fakts", [["https://arkitekt.example.org", s.origin]]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `Approve this app at ${s.origin}/f/configure/?device_code=${encodeURIComponent(s.deviceCode)}&grant=device_code\nConfigured\n`,
    );
  });
});
