/**
 * Issue 23: with no timeouts, a Redis that froze for 5 s stalled every request for as long, and a
 * Redis that was down gave 500s. On a Redis of its own (frozen with SIGSTOP, then killed and
 * restarted), the gateway answers 503 store_unavailable with Retry-After within about a second,
 * charges nothing, and serves again by itself once Redis is back.
 */
import { startRedisServer } from "@noosphere/testkit/redis-server";
import type { RedisServer } from "@noosphere/testkit/redis-server";
import { buildGatewayApp } from "../src/app";
import type { GatewayRuntime } from "../src/services";
import { openRedis } from "../src/start";
import { startGatewayFixture } from "../src/testing/gateway-fixture";
import type { GatewayFixture } from "../src/testing/gateway-fixture";

jest.setTimeout(120_000);

describe("gateway: Redis frozen or down", () => {
  let fx: GatewayFixture;
  let server: RedisServer;
  let gw: GatewayRuntime;
  beforeAll(async () => {
    [fx, server] = await Promise.all([startGatewayFixture(), startRedisServer()]);
    gw = await fx.gateway(undefined, undefined, await openRedis(server.url));
  });
  afterAll(async () => {
    await gw?.close();
    gw?.redis.disconnect();
    await fx?.close();
    await server?.stop();
  });

  it("answers 503 with Retry-After fast while Redis is frozen or down, and recovers by itself", async () => {
    const app = buildGatewayApp(gw);
    const { key } = await gw.apiKeys.create("outage");
    const call = async () => {
      const t0 = performance.now();
      const res = await app.inject({
        method: "POST",
        url: "/v1/completions",
        payload: { model: "noos-tiny", prompt: "Call me", max_tokens: 2 },
        headers: { authorization: `Bearer ${key}` },
      });
      return { res, ms: performance.now() - t0 };
    };
    expect((await call()).res.statusCode).toBe(200);

    const frozen = server.freeze(4_000);
    await new Promise((r) => setTimeout(r, 100));
    const during = await call();
    expect(during.res.statusCode).toBe(503);
    expect(during.res.json().error.code).toBe("store_unavailable");
    expect(during.res.headers["retry-after"]).toBe("2");
    expect(during.ms).toBeLessThan(3_000); // bounded by the command timeout, not by the freeze
    await frozen;

    const restarting = server.restart(3_000);
    await new Promise((r) => setTimeout(r, 300));
    const down = await call();
    expect(down.res.statusCode).toBe(503);
    expect(down.ms).toBeLessThan(3_000);
    await restarting;

    // Back: ioredis reconnects on its own; the key (persisted by Redis) works again.
    const deadline = Date.now() + 20_000;
    let back = await call();
    while (back.res.statusCode !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      back = await call();
    }
    expect(back.res.statusCode).toBe(200);
    await app.close();
  });
});
