import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseCommand, SECRET_ENV, UsageError } from "../../src/cli/args.ts";
import { EXIT_CODES, EXIT_CODE_MEANINGS } from "../../src/cli/exit-codes.ts";
import { helpText } from "../../src/cli/help.ts";
import { PROVIDERS, SUBCOMMANDS } from "../../src/cli/subcommands.ts";
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
    expect(parseCommand(["trakt", "-h"], {})).toEqual({ kind: "help", provider: "trakt" });
    expect(parseCommand(["-V"], {})).toEqual({ kind: "version" });
  });

  it.each([
    [[], /missing provider/],
    [["gitlab"], /unknown provider 'gitlab'/],
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

describe("parseCommand: the presets", () => {
  it("reads a full microsoft command line", () => {
    const command = parseCommand(
      [
        "microsoft",
        "--tenant",
        "contoso.onmicrosoft.com",
        "--client-id",
        "app",
        "--scope",
        "openid",
        "--no-open",
      ],
      {},
    );
    expect(command).toEqual({
      kind: "login",
      options: {
        provider: "microsoft",
        tenant: "contoso.onmicrosoft.com",
        clientId: "app",
        scope: "openid",
        json: false,
        open: false,
        qr: true,
        insecure: false,
      },
    });
  });

  it("reads the aws, auth0, keycloak and amazon options", () => {
    const options = (argv: string[]) => {
      const command = parseCommand(argv, { [SECRET_ENV]: "s3" });
      return command.kind === "login" ? command.options : undefined;
    };
    expect(
      options([
        "aws",
        "--region",
        "us-gov-west-1",
        "--start-url",
        "https://d-1.awsapps.com/start",
        "--client-name",
        "n",
      ]),
    ).toMatchObject({
      region: "us-gov-west-1",
      startUrl: "https://d-1.awsapps.com/start",
      clientName: "n",
    });
    expect(
      options(["auth0", "--domain", "t.eu.auth0.com", "--client-id", "c", "--audience", "api"]),
    ).toMatchObject({
      domain: "t.eu.auth0.com",
      audience: "api",
    });
    expect(
      options(["keycloak", "--base-url", "https://kc", "--realm", "r", "--client-id", "c"]),
    ).toMatchObject({
      realm: "r",
      clientSecret: "s3",
    });
    expect(
      options([
        "amazon",
        "--client-id",
        "c",
        "--scope",
        "alexa:all",
        "--scope-data",
        '{"alexa:all":{}}',
      ]),
    ).toMatchObject({ scope: "alexa:all", scopeData: '{"alexa:all":{}}' });
    expect(options(["google", "--client-id", "c", "--scope", "email"])).toMatchObject({
      clientSecret: "s3",
    });
  });

  it("every subcommand's help example is a valid command line", () => {
    for (const name of PROVIDERS) {
      const argv = SUBCOMMANDS[name].example
        .replace(/^device-login /, "")
        .match(/"[^"]*"|\S+/g)
        ?.map((word) => word.replace(/^"|"$/g, ""));
      const command = parseCommand(argv ?? [], { [SECRET_ENV]: "from-env" });
      expect(command.kind === "login" && command.options.provider).toBe(name);
    }
  });

  it.each([
    [["github"], /github needs --client-id/],
    [["github", "--client-id", "c", "--tenant", "t"], /--tenant does not apply to github/],
    [
      ["github", "--client-id", "c", "--client-secret", "s"],
      /--client-secret does not apply to github/,
    ],
    [
      ["google", "--client-id", "c", "--scope", "email"],
      /google needs --client-secret \(or DEVICE_LOGIN_CLIENT_SECRET\)/,
    ],
    [["google", "--client-id", "c", "--client-secret", "s"], /google needs --scope/],
    [["microsoft", "--client-id", "c"], /microsoft needs --scope/],
    [["microsoft", "--scope", "openid"], /microsoft needs --client-id/],
    [
      ["microsoft", "--client-id", "c", "--scope", "s", "--tenant", "a/b"],
      /--tenant must be a single name/,
    ],
    [
      ["microsoft", "--client-id", "c", "--scope", "s", "--tenant", ".."],
      /--tenant must be a single name/,
    ],
    [
      ["microsoft", "--client-id", "c", "--scope", "s", "--realm", "r"],
      /--realm does not apply to microsoft/,
    ],
    [["auth0", "--client-id", "c"], /auth0 needs --domain/],
    [["auth0", "--domain", "t.auth0.com"], /auth0 needs --client-id/],
    [
      ["auth0", "--domain", "t.auth0.com", "--client-id", "c", "--base-url", "https://b"],
      /--base-url does not apply to auth0/,
    ],
    [["okta", "--client-id", "c"], /okta needs --issuer/],
    [["okta", "--issuer", "https://o.okta.com"], /okta needs --client-id/],
    [["keycloak", "--realm", "r", "--client-id", "c"], /keycloak needs --base-url/],
    [["keycloak", "--base-url", "https://kc", "--client-id", "c"], /keycloak needs --realm/],
    [["keycloak", "--base-url", "https://kc", "--realm", "r"], /keycloak needs --client-id/],
    [
      ["keycloak", "--base-url", "https://kc", "--realm", "a?b", "--client-id", "c"],
      /--realm must be a single name/,
    ],
    [["aws", "--start-url", "https://d.awsapps.com/start"], /aws needs --region/],
    [["aws", "--region", "eu-west-1"], /aws needs --start-url/],
    [
      ["aws", "--region", "evil.example/x", "--start-url", "https://d/start"],
      /--region must be an AWS region/,
    ],
    [
      ["aws", "--region", "eu-west-1", "--start-url", "d-123"],
      /--start-url must be an http\(s\) URL/,
    ],
    [
      ["aws", "--region", "eu-west-1", "--start-url", "https://d/start", "--client-id", "c"],
      /--client-id does not apply to aws/,
    ],
    [
      [
        "aws",
        "--region",
        "eu-west-1",
        "--start-url",
        "https://d/start",
        "--scope",
        "sso:account:access",
      ],
      /--scope does not apply to aws/,
    ],
    [["amazon", "--client-id", "c"], /amazon needs --scope/],
    [["amazon", "--scope", "profile"], /amazon needs --client-id/],
    [["twitch"], /twitch needs --client-id/],
    [["twitch", "--client-id", "c", "--scope-data", "{}"], /--scope-data does not apply to twitch/],
  ])("refuses %j", (argv, message) => {
    expect(usageError(argv)).toMatch(message);
  });
});

describe("--header", () => {
  const rfc = ["rfc8628", "--client-id", "c", "--issuer", "https://a"];
  const headersOf = (argv: string[]) => {
    const command = parseCommand(argv, {});
    return command.kind === "login" ? command.options.headers : undefined;
  };

  it("is repeatable; the value is trimmed, may be empty, and keeps inner colons", () => {
    expect(
      headersOf([
        ...rfc,
        "--header",
        "X-Key:  k1 ",
        "--header",
        "X-Url: https://x:1/",
        "--header",
        "X-Empty:",
      ]),
    ).toEqual({ "X-Key": "k1", "X-Url": "https://x:1/", "X-Empty": "" });
    expect(headersOf(rfc)).toBeUndefined();
  });

  it("applies to every subcommand", () => {
    expect(headersOf(["github", "--client-id", "c", "--header", "X-A: 1"])).toEqual({ "X-A": "1" });
    expect(
      headersOf([
        "aws",
        "--region",
        "eu-west-1",
        "--start-url",
        "https://d/s",
        "--header",
        "X-A: 1",
      ]),
    ).toEqual({
      "X-A": "1",
    });
  });

  it.each([
    ["X-Key", /--header must be NAME:VALUE \(no colon found\)/],
    [":value", /--header needs a NAME before the colon/],
    ["X-A: a\r\nX-B: b", /--header must not contain CR, LF or NUL/],
    ["X-A: a\rb", /--header must not contain CR, LF or NUL/],
    ["X-A: a\u0000", /--header must not contain CR, LF or NUL/],
    ["X-A: a\u001bb", /--header X-A: the value must not contain control characters/],
    ["X A: v", /--header NAME must be a token/],
    ["X-A : v", /--header NAME must be a token/],
    ["Host: evil.example", /--header Host is set by the HTTP client/],
    ["Content-Length: 3", /--header Content-Length is set by the HTTP client/],
    ["Transfer-Encoding: chunked", /--header Transfer-Encoding is set by the HTTP client/],
  ])("refuses %j", (header, message) => {
    expect(usageError([...rfc, "--header", header])).toMatch(message);
  });

  it("refuses a name given twice, in any case", () => {
    expect(usageError([...rfc, "--header", "X-A: 1", "--header", "x-a: 2"])).toMatch(
      /--header x-a is given twice/,
    );
  });

  it("never quotes the value back", () => {
    expect(usageError([...rfc, "--header", "Authorization Bearer hunter2"])).not.toContain(
      "hunter2",
    );
    expect(usageError([...rfc, "--header", "X-A: hunter2\u0007"])).not.toContain("hunter2");
  });
});

describe("help", () => {
  it("device-login --help lists every subcommand with its summary", () => {
    const help = helpText();
    for (const name of PROVIDERS) {
      expect(help).toMatch(
        new RegExp(`^  ${name} +${SUBCOMMANDS[name].summary.replace(/[()]/g, "\\$&")}$`, "m"),
      );
    }
  });

  it("device-login <subcommand> --help is that subcommand's help", () => {
    expect(parseCommand(["github", "--help"], {})).toEqual({ kind: "help", provider: "github" });
    expect(parseCommand(["aws", "-h", "--region", "x"], {})).toEqual({
      kind: "help",
      provider: "aws",
    });
    // An unknown subcommand gets the overview, which lists the real ones.
    expect(parseCommand(["gitlab", "--help"], {})).toEqual({ kind: "help" });
  });

  it.each(PROVIDERS)("%s --help shows its own options, the common ones, and no other's", (name) => {
    const help = helpText(name);
    expect(help).toContain(`Usage: device-login ${name} [options]`);
    const own = new Set<string>(SUBCOMMANDS[name].options.map((option) => option.name));
    for (const option of own) expect(help).toMatch(new RegExp(`^  --${option} `, "m"));
    for (const common of [
      "--header NAME:VALUE",
      "--json",
      "--output FILE",
      "--timeout SEC",
      "--insecure",
    ]) {
      expect(help).toContain(`  ${common}`);
    }
    const others = PROVIDERS.flatMap((other) =>
      SUBCOMMANDS[other].options.map((option) => option.name),
    );
    for (const option of others.filter((option) => !own.has(option))) {
      expect(help).not.toMatch(new RegExp(`^  --${option} `, "m"));
    }
    expect(help).toContain(SUBCOMMANDS[name].example);
    // Option rows wrap at 80 columns; no line but the example (one command to copy) passes 90.
    const lines = help.split("\n").filter((line) => line !== `  ${SUBCOMMANDS[name].example}`);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(90);
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
      signInRequired: 6,
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
