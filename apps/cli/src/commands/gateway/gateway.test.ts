/**
 * `noos gateway keys ...` and `noos gateway start` run as the real binary: keys in real Redis,
 * and a gateway process serving a real miner on a real chain, paid from a client's escrow through
 * a hot key the client authorised.
 */
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { formatEther } from "ethers";
import { freePort, writeTestDeployment, writeTestKeystore } from "@noosphere/testkit";
import { deleteByPrefix, testRedisClient } from "@noosphere/testkit/redis";
import { startInferenceNetwork } from "@noosphere/testkit/network";
import type { InferenceNetwork } from "@noosphere/testkit/network";
import { NOOS_BIN, REPO_ROOT, runNoos } from "../../testing/run-noos";
import type { CliResult } from "../../testing/run-noos";

jest.setTimeout(180_000);

const PASSWORD = "gateway-test";
const PREFIX = `{noos:gw:cli:${randomBytes(4).toString("hex")}}`;

function ok(r: CliResult): string {
  if (r.code !== 0) throw new Error(`noos exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

describe("noos gateway", () => {
  let net: InferenceNetwork;
  let env: Record<string, string>;
  let hotKeyFile: string;
  let gateway: ChildProcess | undefined;
  let gatewayLog = "";

  beforeAll(async () => {
    net = await startInferenceNetwork({ miners: 1 });
    const contracts = {
      token: await net.token.getAddress(),
      emission: "0x0000000000000000000000000000000000000000",
      staking: "0x0000000000000000000000000000000000000000",
      subnets: await net.registry.getAddress(),
      consensus: "0x0000000000000000000000000000000000000000",
      billing: await net.billing.getAddress(),
      models: await net.models.getAddress(),
      timelock: "0x0000000000000000000000000000000000000000",
      governor: "0x0000000000000000000000000000000000000000",
    };
    const dir = writeTestDeployment({ chainId: net.chainId, deployedAtBlock: 0, contracts });
    const hot = await net.fundedWallet();
    await (await net.billing.connect(net.client).authorizeSigner(hot.address)).wait();
    hotKeyFile = await writeTestKeystore(dir, "hot", hot, PASSWORD);
    env = {
      NOOS_RPC_URL: net.rpcUrl,
      NOOS_DEPLOYMENTS_DIR: dir,
      NOOS_KEY_PASSWORD: PASSWORD,
      NOOS_REDIS_PREFIX: PREFIX,
      NOOS_LOG_LEVEL: "info",
    };
  });

  afterAll(async () => {
    gateway?.kill("SIGKILL");
    await net?.stop();
    const redis = testRedisClient();
    await deleteByPrefix(redis, PREFIX);
    redis.disconnect();
  });

  const noos = (...args: string[]) => runNoos(args, env);

  it("creates, lists and revokes API keys, storing only their hashes", async () => {
    const key = ok(await noos("gateway", "keys", "create", "--name", "ops", "--rpm", "5")).trim();
    expect(key).toMatch(/^noos_[a-z0-9]{12}_[A-Za-z0-9]{40}$/);
    const listed = JSON.parse(ok(await noos("gateway", "keys", "list", "--json"))) as {
      id: string;
      name: string;
      rpm: number;
    }[];
    const id = key.split("_")[1]!;
    expect(listed).toEqual([expect.objectContaining({ id, name: "ops", rpm: 5 })]);
    const table = ok(await noos("gateway", "keys", "list"));
    expect(table).toMatch(new RegExp(`^ID\\s+NAME.*\\n${id}\\s+ops\\s+\\S+\\s+active\\s+5\\s+0\\s+0\\s+0\\.0$`, "m"));
    expect(ok(await noos("gateway", "keys", "revoke", id)).trim()).toBe(`revoked ${id}`);
    expect(ok(await noos("gateway", "keys", "list"))).toMatch(new RegExp(`${id}\\s+ops\\s+\\S+\\s+revoked`));
    const missing = await noos("gateway", "keys", "revoke", "nosuchkey000");
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining("no API key with id nosuchkey000") });
    const noRedis = await runNoos(["gateway", "keys", "list", "--redis", "redis://127.0.0.1:1"], env);
    expect(noRedis).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("cannot reach Redis at redis://127.0.0.1:1"),
    });
  });

  it("refuses to start with a key the client never authorised", async () => {
    const stranger = await net.fundedWallet();
    const file = await writeTestKeystore(path.dirname(hotKeyFile), "stranger", stranger, PASSWORD);
    const r = await noos("gateway", "start", "--key", file, "--client", net.client.address, "--port", "0");
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 2,
      stderr: expect.stringContaining(`${stranger.address} is not`),
    });
    expect(r.stderr).toContain(`is not an authorised signer of ${net.client.address}`);
  });

  it("starts, answers chat completions paid from the client's escrow, counts usage, and stops on SIGTERM", async () => {
    const key = ok(await noos("gateway", "keys", "create", "--name", "app")).trim();
    const port = await freePort();
    gateway = spawn(
      process.execPath,
      [
        ...[NOOS_BIN, "gateway", "start", "--key", hotKeyFile, "--client", net.client.address, "--port", String(port)],
        "--allow-private-axons", // the test miner listens on 127.0.0.1
      ],
      { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
    );
    gateway.stdout?.on("data", (c: Buffer) => (gatewayLog += c.toString()));
    gateway.stderr?.on("data", (c: Buffer) => (gatewayLog += c.toString()));
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const up = await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (gateway.exitCode !== null || Date.now() > deadline) throw new Error(`gateway did not start:\n${gatewayLog}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(gatewayLog).toContain("gateway listening");
    const health = (await (await fetch(`${base}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({
      status: "ok",
      chainId: net.chainId,
      client: net.client.address,
      miners: { live: 1 },
    });

    const res = await fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "noos-tiny", messages: [{ role: "user", content: "Ahoy" }], max_tokens: 5 }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { object: string; usage: { noos_charged: string } };
    expect(body.object).toBe("chat.completion");
    expect(body.usage.noos_charged).toBe(formatEther(net.price));
    const [voucher] = net.miners[0]!.book.unredeemed();
    expect(voucher?.voucher).toMatchObject({ client: net.client.address, cumulativeAmount: net.price });

    const id = key.split("_")[1]!;
    const listed = JSON.parse(ok(await noos("gateway", "keys", "list", "--json"))) as {
      id: string;
      usage: { requests: number; charged: string };
    }[];
    expect(listed.find((k) => k.id === id)?.usage).toMatchObject({ requests: 1, charged: net.price.toString() });

    const exited = new Promise<number | null>((resolve) => gateway!.once("exit", (code) => resolve(code)));
    gateway.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(gatewayLog).toContain("shutting down");
  });
});
