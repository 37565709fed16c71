/**
 * Starts test/interop/authlib_server.py (Authlib's RFC 8628 server, Debian's python3-authlib) on a
 * free loopback port, and lets a test play the user at it.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Debian's interpreter, where apt installs python3-authlib (a pyenv `python3` may shadow it). */
const PYTHON = process.env.AUTHLIB_PYTHON ?? "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("./authlib_server.py", import.meta.url));
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
const CALL_TIMEOUT_MS = 5_000;

/** How Authlib authenticated one client request (the server's `/log`). */
export interface LoggedRequest {
  endpoint: "device_authorization" | "token";
  grant_type: string | null;
  auth_method: "client_secret_basic" | "client_secret_post" | "none";
  client_id: string;
  body_client_id: string | null;
  basic: boolean;
}

export interface AuthlibServer {
  origin: string;
  /** Authlib's version, as the server imported it. */
  version: string;
  /** Plays the user at the verification page (RFC 8628 §3.3). */
  user(action: "approve" | "deny" | "expire", userCode: string): Promise<void>;
  log(): Promise<LoggedRequest[]>;
  /** What the server wrote to stderr (tracebacks), for failure messages. */
  stderr(): string;
  stop(): Promise<void>;
}

/** Spawns the server and waits (bounded) for the line that names its port. */
export async function startAuthlib(interval = 1): Promise<AuthlibServer> {
  const child = spawn(PYTHON, [SCRIPT, "--interval", String(interval)], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const ready = await new Promise<{ port: number; authlib: string }>((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(() => fail(new Error(`Authlib server did not start in ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${error.message}\n${PYTHON} stderr:\n${stderr}`));
    };
    const early = (code: number | null) => fail(new Error(`Authlib server exited (${code}) before listening`));
    child.once("error", fail);
    child.once("exit", early);
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      const line = stdout.split("\n")[0];
      if (!stdout.includes("\n") || line === undefined) return;
      clearTimeout(timer);
      child.off("exit", early);
      resolve(JSON.parse(line) as { port: number; authlib: string });
    });
  });

  const origin = `http://127.0.0.1:${ready.port}`;
  const call = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const response = await fetch(`${origin}${path}`, { ...init, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
    return response;
  };

  return {
    origin,
    version: ready.authlib,
    async user(action, userCode) {
      await call(`/${action}`, { method: "POST", body: new URLSearchParams({ user_code: userCode }) });
    },
    async log() {
      return (await (await call("/log")).json()) as LoggedRequest[];
    },
    stderr: () => stderr,
    async stop() {
      // Closing stdin ends the server (it watches for EOF); SIGKILL if it does not.
      child.stdin.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
