import http from "node:http";
import os from "node:os";
import type { AddressInfo } from "node:net";
import { MinerClient, MinerUnreachableError } from "./miner-client";

describe("miner client", () => {
  let server: http.Server;
  let base: string;
  const client = new MinerClient({ allowPrivateAxons: true }); // the test server listens on 127.0.0.1

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === "/json") {
        let body = "";
        req.on("data", (c: Buffer) => (body += c.toString()));
        req.on("end", () => {
          res.writeHead(201, { "content-type": "application/json" });
          res.end(JSON.stringify({ echo: JSON.parse(body), sig: req.headers["x-noos-signature"] }));
        });
      } else if (req.url === "/sse") {
        res.writeHead(200, { "content-type": "text/event-stream" });
        // Events split across writes at awkward places, CRLF line ends and a comment.
        res.write('data: {"delta":"he');
        setTimeout(() => {
          res.write('llo"}\r\n\r\n: keep-alive\n\ndata: {"delta":" world"}\n\nevent: done\n');
          res.end('data: {"output":1}\n\n');
        }, 20);
      } else if (req.url === "/slow") {
        setTimeout(() => res.end("{}"), 400).unref();
      } else {
        res.writeHead(503);
        res.end("<html>down</html>");
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    client.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it("posts JSON with headers and parses the answer", async () => {
    const reply = await client.post(base, "/json", {
      body: '{"a":1}',
      headers: { "x-noos-signature": "0xabc" },
      timeoutMs: 1000,
    });
    expect(reply).toMatchObject({ kind: "json", status: 201, body: { echo: { a: 1 }, sig: "0xabc" } });
  });

  it("keeps a non-JSON error body as text", async () => {
    expect(await client.post(base, "/nope", { body: "{}", headers: {}, timeoutMs: 1000 })).toMatchObject({
      kind: "json",
      status: 503,
      body: "<html>down</html>",
    });
  });

  it("parses server-sent events split anywhere", async () => {
    const reply = await client.post(base, "/sse", { body: "{}", headers: {}, timeoutMs: 1000 });
    if (reply.kind !== "stream") throw new Error("expected a stream");
    const events = [];
    for await (const e of reply.events) events.push(e);
    expect(events).toEqual([
      { event: "message", data: '{"delta":"hello"}' },
      { event: "message", data: '{"delta":" world"}' },
      { event: "done", data: '{"output":1}' },
    ]);
  });

  it("fails fast on a closed port, a timeout and an abort", async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await expect(
      client.post(`http://127.0.0.1:${port}`, "/json", { body: "{}", headers: {}, timeoutMs: 1000 }),
    ).rejects.toMatchObject({
      reason: "ECONNREFUSED",
    });
    await expect(client.post(base, "/slow", { body: "{}", headers: {}, timeoutMs: 100 })).rejects.toBeInstanceOf(
      MinerUnreachableError,
    );
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 50);
    await expect(
      client.post(base, "/slow", { body: "{}", headers: {}, timeoutMs: 5000, signal: abort.signal }),
    ).rejects.toMatchObject({
      reason: "aborted",
    });
  });

  // The audit's SSRF: axon URLs come from the chain, so a miner could point gateways at 127.0.0.1:6379
  // (their Redis) or a cloud metadata address. Refused outside a devnet, also behind a DNS name.
  describe("private axons", () => {
    const strict = new MinerClient();
    afterAll(() => strict.close());

    it.each([
      ["loopback", "http://127.0.0.1:6379"],
      ["link-local metadata", "http://169.254.169.254"],
      ["a private network", "http://10.1.2.3:9001"],
      ["IPv6 loopback", "http://[::1]:9001"],
      ["an IPv4-mapped loopback", "http://[::ffff:127.0.0.1]:9001"],
      ["localhost", "http://localhost:9001"],
      ["another scheme", "file:///etc/passwd"],
    ])("refuses %s", async (_name, url) => {
      expect(strict.allows(url)).toBe(false);
      await expect(strict.post(url, "/v1/infer", { body: "{}", headers: {}, timeoutMs: 500 })).rejects.toBeInstanceOf(
        MinerUnreachableError,
      );
    });

    it("refuses a name that resolves to a private address, when it connects", async () => {
      const name = os.hostname(); // /etc/hosts maps it to 127.0.0.1 here
      const url = base.replace("127.0.0.1", name);
      expect(strict.allows(url)).toBe(true); // a name: checked when it resolves
      await expect(strict.getJson(url, "/json", 1_000)).rejects.toThrow(/EAXONFORBIDDEN|private or loopback/);
      expect((await client.getJson(url, "/slow", 1_000)).status).toBe(200); // allowed on a devnet
    });

    it("allows public addresses", () => {
      expect(strict.allows("https://203.0.113.7:443")).toBe(true);
      expect(strict.allows("http://miner.example.org:9001")).toBe(true);
    });
  });
});
