import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseCommand, SECRET_ENV, UsageError } from "../../src/cli/args.ts";
import { EXIT_CODES, EXIT_CODE_MEANINGS } from "../../src/cli/exit-codes.ts";
import { helpText } from "../../src/cli/help.ts";
import { runCli } from "../support/run-cli.ts";

const endpoints = [
  "--device-endpoint",
  "https://as.example/device",
  "--token-endpoint",
  "https://as.example/token",
];

function usageError(argv: string[], env: Record<string, string> = {}): string {
  try {
    parseCommand(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`no usage error for ${argv.join(" ")}`);
}

describe("parseCommand", () => {
  it("reads a full rfc8628 command line", () => {
    const command = parseCommand(
      [
        "rfc8628",
        ...endpoints,
        "--client-id",
        "cli",
        "--scope",
        "openid profile",
        "--json",
        "--no-open",
        "--no-qr",
        "--timeout",
        "90",
        "--insecure",
      ],
      {},
    );
    expect(command).toEqual({
      kind: "login",
      options: {
        provider: "rfc8628",
        deviceEndpoint: "https://as.example/device",
        tokenEndpoint: "https://as.example/token",
        clientId: "cli",
        scope: "openid profile",
        json: true,
        open: false,
        qr: false,
        timeout: 90,
        insecure: true,
      },
    });
  });

  it("takes the secret from DEVICE_LOGIN_CLIENT_SECRET, the flag winning over it", () => {
    const fromEnv = parseCommand(["trakt", "--client-id", "c"], { [SECRET_ENV]: "from-env" });
    expect(fromEnv.kind === "login" && fromEnv.options.clientSecret).toBe("from-env");
    const fromFlag = parseCommand(["trakt", "--client-id", "c", "--client-secret", "flag"], {
      [SECRET_ENV]: "from-env",
    });
    expect(fromFlag.kind === "login" && fromFlag.options.clientSecret).toBe("flag");
  });

  it("ignores the secret variable for providers without a secret", () => {
    const command = parseCommand(
      [
        "transparenc",
        "--base-url",
        "https://t.example",
        "--client-id",
        "c",
        "--device-type",
        "tv",
        "--device-os",
        "linux",
      ],
      { [SECRET_ENV]: "unused" },
    );
    expect(command.kind === "login" && command.options.clientSecret).toBeUndefined();
  });

  it("reads fakts' manifest options", () => {
    const command = parseCommand(
      [
        "fakts",
        "--base-url",
        "https://f.example/f/",
        "--manifest-identifier",
        "org.x",
        "--manifest-version",
        "2",
        "--client-kind",
        "desktop",
      ],
      {},
    );
    expect(command.kind === "login" && command.options).toMatchObject({
      manifestIdentifier: "org.x",
      manifestVersion: "2",
      clientKind: "desktop",
    });
  });

  it("puts help and version before everything else", () => {
    expect(parseCommand(["--help"], {})).toEqual({ kind: "help" });
    expect(parseCommand(["trakt", "-h"], {})).toEqual({ kind: "help" });
    expect(parseCommand(["-V"], {})).toEqual({ kind: "version" });
  });

  it.each([
    [[], /missing provider/],
    [["github"], /unknown provider 'github'/],
    [["rfc8628", "extra"], /unexpected argument 'extra'/],
    [["rfc8628", "--frobnicate"], /Unknown option '--frobnicate'/],
    [["rfc8628", "--client-id"], /argument missing/],
    [["rfc8628", ...endpoints], /rfc8628 needs --client-id/],
    [["rfc8628", "--client-id", "c"], /needs --issuer, or --device-endpoint/],
    [["rfc8628", "--client-id", "c", "--device-endpoint", "https://a/d"], /needs --token-endpoint/],
    [["rfc8628", "--client-id", "c", "--issuer", "https://a", ...endpoints], /either --issuer or/],
    [
      [
        "rfc8628",
        "--client-id",
        "c",
        "--issuer",
        "https://a",
        "--client-auth",
        "client_secret_post",
      ],
      /needs --client-secret/,
    ],
    [
      ["rfc8628", "--client-id", "c", "--issuer", "https://a", "--client-auth", "magic"],
      /--client-auth must be one of/,
    ],
    [["rfc8628", "--client-id", "", "--issuer", "https://a"], /--client-id needs a value/],
    [
      ["rfc8628", "--client-id", "c", "--issuer", "https://a", "--timeout", "soon"],
      /--timeout must be/,
    ],
    [
      ["rfc8628", "--client-id", "c", "--issuer", "https://a", "--timeout", "0"],
      /--timeout must be/,
    ],
    [["rfc8628", "--client-id", "c", "--issuer", "https://a", "--timeout=-5"], /--timeout must be/],
    [
      ["rfc8628", "--client-id", "c", "--issuer", "https://a", "--proxy", "socks://p:1"],
      /--proxy must be an http/,
    ],
    [
      ["rfc8628", "--client-id", "c", "--issuer", "https://a", "--base-url", "https://b"],
      /--base-url does not apply to rfc8628/,
    ],
    [
      ["trakt", "--client-id", "c", "--client-secret", "s", "--scope", "x"],
      /--scope does not apply to trakt/,
    ],
    [
      ["trakt", "--client-id", "c"],
      /trakt needs --client-secret \(or DEVICE_LOGIN_CLIENT_SECRET\)/,
    ],
    [
      ["transparenc", "--base-url", "https://t", "--client-id", "c", "--device-type", "tv"],
      /needs --device-os/,
    ],
    [
      ["fakts", "--base-url", "https://f", "--manifest-identifier", "x"],
      /needs --manifest-version/,
    ],
    [
      [
        "fakts",
        "--base-url",
        "https://f",
        "--manifest-identifier",
        "x",
        "--manifest-version",
        "1",
        "--client-id",
        "c",
      ],
      /--client-id does not apply to fakts/,
    ],
    [
      [
        "fakts",
        "--base-url",
        "https://f",
        "--manifest-identifier",
        "x",
        "--manifest-version",
        "1",
        "--client-kind",
        "tv",
      ],
      /--client-kind must be one of/,
    ],
  ])("refuses %j", (argv, message) => {
    expect(usageError(argv)).toMatch(message);
  });

  it("does not echo a proxy URL, which may hold credentials", () => {
    expect(
      usageError([
        "rfc8628",
        "--client-id",
        "c",
        "--issuer",
        "https://a",
        "--proxy",
        "ftp://user:hunter2@p",
      ]),
    ).not.toContain("hunter2");
  });
});

describe("exit codes", () => {
  it("are distinct, and --help lists every one with its meaning", () => {
    const codes = Object.values(EXIT_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    const help = helpText();
    for (const [reason, code] of Object.entries(EXIT_CODES)) {
      expect(help).toMatch(
        new RegExp(
          `^\\s+${code}  ${EXIT_CODE_MEANINGS[reason as keyof typeof EXIT_CODES].replace(/[()]/g, "\\$&")}$`,
          "m",
        ),
      );
    }
  });

  it("match the documented numbers", () => {
    expect(EXIT_CODES).toEqual({
      authorized: 0,
      error: 1,
      usage: 2,
      denied: 3,
      expired: 4,
      invalidCode: 5,
      interrupted: 130,
    });
  });
});

describe("device-login as a process", () => {
  it("--help prints the usage on stdout and exits 0", async () => {
    const result = await runCli(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(helpText());
    expect(result.stderr).toBe("");
  });

  it("--version prints package.json's version", async () => {
    const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    const result = await runCli(["--version"]);
    expect(result).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: "" });
  });

  it("a usage error exits 2 with the reason on stderr and nothing on stdout", async () => {
    const result = await runCli(["rfc8628", "--client-id", "c"]);
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^device-login: rfc8628 needs --issuer/);
    expect(result.stderr).toContain("Run 'device-login --help' for usage.");
  });

  it("an endpoint the SDK refuses (plain http, not loopback) is a usage error", async () => {
    const result = await runCli([
      "rfc8628",
      "--client-id",
      "c",
      "--device-endpoint",
      "http://as.example/d",
      "--token-endpoint",
      "http://as.example/t",
    ]);
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toContain("refusing plain http to as.example");
  });

  it("an unreadable --ca file is a usage error", async () => {
    const result = await runCli([
      "rfc8628",
      "--client-id",
      "c",
      "--issuer",
      "https://as.example",
      "--ca",
      "/nonexistent/ca.pem",
    ]);
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toContain("cannot read --ca file /nonexistent/ca.pem (ENOENT)");
  });
});
