/**
 * Benchmarks that measure a client's CPU or heap run the server, and sometimes the client, in
 * their own processes. This forks a TypeScript module (tsx's loader is inherited through
 * execArgv) and turns its IPC messages into awaitable values.
 */
import { fork, type ChildProcess } from "node:child_process";

export interface Message {
  type: string;
  [key: string]: unknown;
}

export interface Child {
  readonly process: ChildProcess;
  /** The next message of this type (earlier ones of other types are kept for later). */
  next<T extends Message>(type: string, timeoutMs?: number): Promise<T>;
  send(message: Message): void;
  /** Asks the child to exit, then kills it if it has not within a second. */
  stop(): Promise<void>;
}

export function forkModule(module: URL, argument: unknown, extraExecArgv: string[] = []): Child {
  const child = fork(module.pathname, [JSON.stringify(argument)], {
    execArgv: [...process.execArgv, ...extraExecArgv],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const inbox: Message[] = [];
  const waiters: { type: string; resolve: (m: Message) => void }[] = [];
  let exited: Error | undefined;
  const failAll = () => {
    for (const waiter of waiters.splice(0)) waiter.resolve({ type: "exit" });
  };
  child.on("message", (raw) => {
    const message = raw as Message;
    const index = waiters.findIndex((w) => w.type === message.type);
    if (index >= 0) waiters.splice(index, 1)[0]!.resolve(message);
    else inbox.push(message);
  });
  child.on("exit", (code, signal) => {
    exited = new Error(`child ${module.pathname} exited (${code ?? signal})`);
    failAll();
  });

  return {
    process: child,
    next<T extends Message>(type: string, timeoutMs = 300_000): Promise<T> {
      const index = inbox.findIndex((m) => m.type === type);
      if (index >= 0) return Promise.resolve(inbox.splice(index, 1)[0] as T);
      if (exited) return Promise.reject(exited);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no "${type}" from ${module.pathname} in ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          type,
          resolve: (message) => {
            clearTimeout(timer);
            if (message.type === "exit") reject(exited ?? new Error("child exited"));
            else resolve(message as T);
          },
        });
      });
    },
    send(message) {
      if (child.connected) child.send(message);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      this.send({ type: "exit" });
      const timer = setTimeout(() => child.kill("SIGKILL"), 1000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** The argument a forked module was given, parsed. */
export function childArgument<T>(): T {
  return JSON.parse(process.argv[2] ?? "{}") as T;
}

/** Sends a message to the parent (a no-op when not forked). */
export function tell(message: Message): void {
  process.send?.(message);
}
