/**
 * A minimal HTTP CONNECT proxy on 127.0.0.1 (RFC 9110 §9.3.6) that records every tunnel it
 * opens, to show that the CLI's traffic really went through it. It tunnels to 127.0.0.1 only,
 * and refuses plain (non-tunnelled) proxy requests with 405, counting them too.
 */
import { createServer } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";

export interface ConnectProxy {
  url: string;
  /** `host:port` of each tunnel opened, in order. */
  tunnels: string[];
  /** Plain proxy requests (absolute-form), which this proxy refuses. */
  plainRequests: number;
  close(): Promise<void>;
}

export async function startConnectProxy(): Promise<ConnectProxy> {
  const sockets = new Set<Socket>();
  const proxy: ConnectProxy = { url: "", tunnels: [], plainRequests: 0, close: async () => {} };
  const server = createServer((_request, response) => {
    proxy.plainRequests += 1;
    response.writeHead(405).end();
  });
  server.on("connect", (request, client: Socket, head: Buffer) => {
    const target = request.url ?? "";
    const match = /^127\.0\.0\.1:(\d+)$/.exec(target);
    if (!match) {
      client.end("HTTP/1.1 403 Forbidden\r\n\r\n");
      return;
    }
    proxy.tunnels.push(target);
    const upstream = connect(Number(match[1]), "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
