/**
 * Latency the gateway adds over calling a miner directly, measured in one run on one machine:
 * the same completion requests (same prompt, same max_tokens, greedy) sent
 *   - direct: the client signs the request and a cumulative voucher itself and POSTs the miner;
 *   - via the gateway: the client POSTs /v1/completions with an API key; the gateway checks the
 *     key and rate limit (Redis), reserves the price (Redis), routes, signs both, calls the miner.
 * Calls alternate between the two paths so machine noise hits both alike. Both use keep-alive
 * connections. Prints p50 and p99 of each and the difference. Goal: <= 2 ms added at p50.
 *
 * Needs Redis on 127.0.0.1:6379 (NOOS_TEST_REDIS_URL). Run: npx tsx apps/gateway/bench/latency.bench.ts
 */
import os from "node:os";
import { parseEther } from "ethers";
import { HEADERS, encodeVoucherHeader, signRequest, signVoucher, voucherDomain, wireDomain } from "@noosphere/protocol";
import { MinerClient } from "../src/miner-client";
import { startBenchGateway } from "./bench-gateway";
import { startTestNetwork } from "../src/testing/network";

const N = Number(process.env.BENCH_N ?? 400);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 40);
const MAX_TOKENS = Number(process.env.BENCH_MAX_TOKENS ?? 4);

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

async function main(): Promise<void> {
  const net = await startTestNetwork({ miners: 1, deposit: parseEther("100") });
  const gateway = await startBenchGateway(net, 100_000);
  const { runtime } = gateway;
  const gatewayUrl = gateway.url;
  const { key } = await runtime.apiKeys.create("bench");

  // The direct client pays from its own escrow (its vouchers must not race the gateway's).
  const direct = await net.fundedWallet(parseEther("100"));
  const billing = await net.billing.getAddress();
  await (await net.token.connect(direct).approve(billing, parseEther("100"))).wait();
  await (await net.billing.connect(direct).deposit(parseEther("100"))).wait();
  const miner = net.miners[0]!;
  await (await net.billing.connect(direct).allot(direct.address, miner.hotkey.address, parseEther("100"))).wait();
  const wire = wireDomain(net.chainId, await net.registry.getAddress());
  const vdomain = voucherDomain(net.chainId, billing);
  let cumulative = 0n;

  const http = new MinerClient({ allowPrivateAxons: true });
  const prompt = "Call me Ishmael. Some years ago, never mind how long precisely";
  const minerBody = JSON.stringify({ prompt, max_tokens: MAX_TOKENS, temperature: 0 });
  const gatewayBody = JSON.stringify({ model: "noos-tiny", prompt, max_tokens: MAX_TOKENS, temperature: 0 });

  async function callDirect(): Promise<number> {
    const t0 = performance.now();
    cumulative += net.price;
    const voucher = {
      client: direct.address,
      miner: miner.hotkey.address,
      netuid: net.netuid,
      tier: net.tier,
      model: net.modelHash,
      cumulativeAmount: cumulative,
    };
    const [signed, signature] = [
      await signRequest(direct, wire, { miner: miner.hotkey.address, netuid: net.netuid, body: minerBody }),
      await signVoucher(direct, vdomain, voucher),
    ];
    const reply = await http.post(miner.url, "/v1/infer", {
      body: minerBody,
      headers: { ...signed.headers, [HEADERS.voucher]: encodeVoucherHeader(voucher, signature) },
      timeoutMs: 30_000,
    });
    const ms = performance.now() - t0;
    if (reply.kind !== "json" || reply.status !== 200) throw new Error(`direct call failed: ${JSON.stringify(reply)}`);
    return ms;
  }

  const gatewayOwn: number[] = [];
  async function callGateway(): Promise<number> {
    const t0 = performance.now();
    const reply = await http.post(gatewayUrl, "/v1/completions", {
      body: gatewayBody,
      headers: { authorization: `Bearer ${key}` },
      timeoutMs: 30_000,
    });
    const ms = performance.now() - t0;
    if (reply.kind !== "json" || reply.status !== 200) throw new Error(`gateway call failed: ${JSON.stringify(reply)}`);
    const own = /gateway;dur=([\d.]+)/.exec(String(reply.headers["server-timing"] ?? ""));
    gatewayOwn.push(Number(own?.[1] ?? NaN));
    return ms;
  }

  /** The direct path without its client-side signing: HTTP and the miner alone. */
  async function callDirectPresigned(): Promise<number> {
    cumulative += net.price;
    const voucher = {
      client: direct.address,
      miner: miner.hotkey.address,
      netuid: net.netuid,
      tier: net.tier,
      model: net.modelHash,
      cumulativeAmount: cumulative,
    };
    const signed = await signRequest(direct, wire, {
      miner: miner.hotkey.address,
      netuid: net.netuid,
      body: minerBody,
    });
    const header = encodeVoucherHeader(voucher, await signVoucher(direct, vdomain, voucher));
    const t0 = performance.now();
    const reply = await http.post(miner.url, "/v1/infer", {
      body: minerBody,
      headers: { ...signed.headers, [HEADERS.voucher]: header },
      timeoutMs: 30_000,
    });
    const ms = performance.now() - t0;
    if (reply.kind !== "json" || reply.status !== 200) throw new Error(`direct call failed: ${JSON.stringify(reply)}`);
    return ms;
  }

  for (let i = 0; i < WARMUP; i++) {
    await callDirect();
    await callGateway();
    await callDirectPresigned();
  }
  gatewayOwn.length = 0;
  const times = { direct: [] as number[], gateway: [] as number[], presigned: [] as number[] };
  // CPU time of this process (client, gateway and miner all run in it) per call: unlike wall
  // time, it hardly moves when other processes load the machine.
  const cpu = { direct: [] as number[], gateway: [] as number[] };
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  for (let i = 0; i < N; i++) {
    let c = cpuMs();
    times.direct.push(await callDirect());
    cpu.direct.push(cpuMs() - c);
    c = cpuMs();
    times.gateway.push(await callGateway());
    cpu.gateway.push(cpuMs() - c);
    times.presigned.push(await callDirectPresigned());
  }

  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return { p50: percentile(s, 50), p99: percentile(s, 99) };
  };
  const d = stats(times.direct);
  const g = stats(times.gateway);
  const p = stats(times.presigned);
  const f = (x: number) => x.toFixed(2).padStart(8);
  console.log(
    `gateway latency bench: ${N} completions each way (max_tokens ${MAX_TOKENS}, greedy), one miner on CPU, Redis local`,
  );
  console.log(`                                   p50 ms    p99 ms`);
  console.log(`direct (client signs + HTTP)     ${f(d.p50)}  ${f(d.p99)}`);
  console.log(`via gateway                      ${f(g.p50)}  ${f(g.p99)}`);
  console.log(`added by the gateway             ${f(g.p50 - d.p50)}  ${f(g.p99 - d.p99)}   (goal: <= 2 ms at p50)`);
  console.log(`direct, HTTP only (pre-signed)   ${f(p.p50)}  ${f(p.p99)}   (signing moves from client to gateway)`);
  console.log(`via gateway - HTTP-only direct   ${f(g.p50 - p.p50)}  ${f(g.p99 - p.p99)}`);
  const own = stats(gatewayOwn);
  console.log(`gateway's own time (Server-Timing: its handler minus the miner call, signing included)`);
  console.log(`                                 ${f(own.p50)}  ${f(own.p99)}`);
  const cd = stats(cpu.direct).p50;
  const cg = stats(cpu.gateway).p50;
  console.log(
    `CPU ms per call (p50): direct ${cd.toFixed(2)}, via gateway ${cg.toFixed(2)}, added ${(cg - cd).toFixed(2)}`,
  );
  console.log(
    `machine load average: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} on ${os.cpus().length} CPUs`,
  );

  await gateway.close();
  http.close();
  await net.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
