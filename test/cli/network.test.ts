/**
 * Corporate networks: a proxy (--proxy, or HTTP(S)_PROXY with NO_PROXY) and a private CA (--ca),
 * against a loopback CONNECT proxy that counts its tunnels and a loopback TLS server whose
 * certificate is signed by a CA made for the test.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../src/cli/exit-codes.ts";
import { startConnectProxy, type ConnectProxy } from "../support/connect-proxy.ts";
import { cliArgsFor, startDeviceServer, type DeviceServer } from "../support/device-server.ts";
import { cleanEnv, runCli } from "../support/run-cli.ts";
import { makeTestCertificates, type TestCertificates } from "../support/tls-certificates.ts";

let certificates: TestCertificates;
const servers: DeviceServer[] = [];
const proxies: ConnectProxy[] = [];

beforeAll(() => {
  certificates = makeTestCertificates();
});
afterAll(async () => {
  await Promise.all([...servers, ...proxies].map((closable) => closable.close()));
  certificates.remove();
});

async function server(tls = false): Promise<DeviceServer> {
  const started = await startDeviceServer({
    steps: ["authorized"],
    ...(tls && { tls: { key: certificates.key, cert: certificates.cert } }),
  });
  servers.push(started);
  return started;
}

async function proxy(): Promise<ConnectProxy> {
  const started = await startConnectProxy();
  proxies.push(started);
  return started;
}

describe.concurrent("device-login on a corporate network", () => {
  it("--proxy tunnels every request through the proxy", async () => {
    const [s, p] = await Promise.all([server(), proxy()]);
    const result = await runCli([...cliArgsFor(s), "--json", "--proxy", p.url]);
    expect(result.code).toBe(EXIT_CODES.authorized);
    expect(JSON.parse(result.stdout)).toMatchObject({ accessToken: s.accessToken });
    const port = new URL(s.origin).port;
    expect(p.tunnels.length).toBeGreaterThanOrEqual(1);
    expect(p.tunnels.every((target) => target === `127.0.0.1:${port}`)).toBe(true);
    expect(p.plainRequests).toBe(0);
  });

  it("HTTP_PROXY from the environment is used", async () => {
    const [s, p] = await Promise.all([server(), proxy()]);
    const result = await runCli([...cliArgsFor(s), "--json"], {
      env: cleanEnv({ HTTP_PROXY: p.url }),
    });
    expect(result.code).toBe(EXIT_CODES.authorized);
    expect(p.tunnels.length).toBeGreaterThanOrEqual(1);
  });

  it("NO_PROXY keeps a host off the proxy", async () => {
    const [s, p] = await Promise.all([server(), proxy()]);
    const result = await runCli([...cliArgsFor(s), "--json"], {
      env: cleanEnv({ HTTP_PROXY: p.url, NO_PROXY: "127.0.0.1" }),
    });
    expect(result.code).toBe(EXIT_CODES.authorized);
    expect(p.tunnels).toEqual([]);
  });

  it("a proxy that cannot be reached is an error (exit 1) that names the cause", async () => {
    const [s, p] = await Promise.all([server(), proxy()]);
    await p.close();
    const result = await runCli([...cliArgsFor(s), "--proxy", p.url]);
    expect(result.code).toBe(EXIT_CODES.error);
    expect(result.stderr).toMatch(/Cannot reach the server: .*ECONNREFUSED.*--proxy/);
    expect(s.requests).toEqual([]);
  });

  it("a server whose certificate comes from a private CA is refused without --ca (exit 1)", async () => {
    const s = await server(true);
    const result = await runCli([...cliArgsFor(s), "--json"]);
    expect(result.code).toBe(EXIT_CODES.error);
    expect(result.stderr).toMatch(
      /Cannot reach the server: .*(UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify the first certificate)/,
    );
    expect(result.stdout).toBe("");
  });

  it("--ca trusts the private CA", async () => {
    const s = await server(true);
    const result = await runCli([...cliArgsFor(s), "--json", "--ca", certificates.caFile]);
    expect(result.code).toBe(EXIT_CODES.authorized);
    expect(JSON.parse(result.stdout)).toMatchObject({ accessToken: s.accessToken });
  });

  it("--ca and HTTPS_PROXY together: TLS to the server inside the proxy's tunnel", async () => {
    const [s, p] = await Promise.all([server(true), proxy()]);
    const result = await runCli([...cliArgsFor(s), "--json", "--ca", certificates.caFile], {
      env: cleanEnv({ HTTPS_PROXY: p.url }),
    });
    expect(result.code).toBe(EXIT_CODES.authorized);
    expect(p.tunnels.length).toBeGreaterThanOrEqual(1);
  });

  it("a --ca file that holds no certificate is a usage error (exit 2)", async () => {
    const result = await runCli([
      "rfc8628",
      "--issuer",
      "https://as.example",
      "--client-id",
      "c",
      "--ca",
      "package.json",
    ]);
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toContain("--ca file package.json holds no PEM certificate");
  });
});
