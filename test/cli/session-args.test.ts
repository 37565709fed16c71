/**
 * The command line of the saved-profile commands (`token`, `status`, `logout`) and of saving
 * (`--profile`, `--store`, `--no-save`), parsed in-process, and their help.
 */
import { describe, expect, it } from "vitest";
import { parseCommand, UsageError } from "../../src/cli/args.ts";
import { helpText } from "../../src/cli/help.ts";
import { PROFILE_COMMAND_HELP, PROFILE_COMMANDS } from "../../src/cli/subcommands.ts";

const rfc = ["rfc8628", "--issuer", "https://as.example", "--client-id", "c"];

function usageError(argv: string[]): string {
  try {
    parseCommand(argv, {});
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`no usage error for ${argv.join(" ")}`);
}

describe("saving options", () => {
  it("are absent by default (save to the file store, profile = the subcommand)", () => {
    const command = parseCommand(rfc, {});
    expect(command.kind === "login" && command.options).not.toHaveProperty("profile");
    expect(command.kind === "login" && command.options).not.toHaveProperty("store");
    expect(command.kind === "login" && command.options).not.toHaveProperty("noSave");
  });

  it("reads --profile, --store and --no-save", () => {
    expect(parseCommand([...rfc, "--profile", "work", "--store", "keychain"], {})).toMatchObject({
      kind: "login",
      options: { profile: "work", store: "keychain" },
    });
    expect(parseCommand([...rfc, "--no-save"], {})).toMatchObject({ options: { noSave: true } });
  });

  it("refuses an unknown store, a bad profile name, and --no-save with either", () => {
    expect(usageError([...rfc, "--store", "redis"])).toBe("--store must be one of file, keychain");
    expect(usageError([...rfc, "--profile", "a/b"])).toMatch(/^--profile must be/);
    expect(usageError([...rfc, "--profile", "x".repeat(65)])).toMatch(/^--profile must be/);
    expect(usageError([...rfc, "--no-save", "--store", "file"])).toMatch(
      /^--no-save saves nothing/,
    );
  });

  it("--revocation-endpoint goes with the two endpoints, not with --issuer", () => {
    expect(
      parseCommand(
        [
          "rfc8628",
          "--device-endpoint",
          "https://a/d",
          "--token-endpoint",
          "https://a/t",
          "--revocation-endpoint",
          "https://a/r",
          "--client-id",
          "c",
        ],
        {},
      ),
    ).toMatchObject({ options: { revocationEndpoint: "https://a/r" } });
    expect(usageError([...rfc, "--revocation-endpoint", "https://a/r"])).toMatch(/not both/);
    expect(usageError(["github", "--client-id", "c", "--revocation-endpoint", "https://a/r"])).toBe(
      "--revocation-endpoint does not apply to github",
    );
  });
});

describe("token, status, logout", () => {
  it("parse their own options", () => {
    expect(parseCommand(["token", "--profile", "trakt"], {})).toEqual({
      kind: "token",
      options: { profile: "trakt", json: false },
    });
    expect(parseCommand(["status", "--json"], {})).toEqual({
      kind: "status",
      options: { json: true },
    });
    expect(
      parseCommand(["logout", "--header", "X-Api-Key: k", "--proxy", "http://p:8080"], {}),
    ).toEqual({
      kind: "logout",
      options: { json: false, headers: { "X-Api-Key": "k" }, proxy: "http://p:8080" },
    });
  });

  it("refuse any other option or argument", () => {
    expect(usageError(["status", "--header", "A: b"])).toBe("--header does not apply to status");
    expect(usageError(["token", "--json"])).toBe("--json does not apply to token");
    expect(usageError(["logout", "--store", "file"])).toBe("--store does not apply to logout");
    expect(usageError(["token", "extra"])).toBe("unexpected argument 'extra'");
  });

  it("have their own --help, listed in the overview", () => {
    const overview = helpText();
    for (const name of PROFILE_COMMANDS) {
      expect(parseCommand([name, "--help"], {})).toEqual({ kind: "help", provider: name });
      expect(overview).toMatch(
        new RegExp(
          `^  ${name} +${PROFILE_COMMAND_HELP[name].summary.replace(/[()]/g, "\\$&")}$`,
          "m",
        ),
      );
      const help = helpText(name);
      expect(help).toContain(`Usage: device-login ${name} [options]`);
      expect(help).toContain("  --profile NAME");
      expect(help).toContain(PROFILE_COMMAND_HELP[name].example);
    }
    expect(overview).toMatch(/^  --no-save +do not save the token set/m);
  });
});
