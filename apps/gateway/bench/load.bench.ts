/**
 * The gateway under load, and what the chain burns for it (issue 23). A real stack on this machine:
 * a Hardhat node, two noos-tiny miners (their engines on threads of their own), Redis, the gateway
 * listening on HTTP with its allotter. For each concurrency level, `BENCH_SECONDS` of chat
 * completions (max_tokens 16) from that many keep-alive connections, then every miner redeems what
 * it holds and the chain's burn for the client is read. Prints answered/s, p50/p99 of answered
 * calls, 429s (shed), 503s and other failures, and burned vs charged (they must be equal).
 * Client, gateway and miners share the 2 cores: figures are for comparing runs, not absolute.
 *
 * Needs Redis on 127.0.0.1:6379. Run: npx tsx apps/gateway/bench/load.bench.ts
 *   BENCH_LEVELS=1,8,32,128  BENCH_SECONDS=6
 */
import http from "node:http";
import { formatEther, parseEther } from "ethers";
import { startBenchGateway } from "./bench-gateway";
import { startTestNetwork } from "../src/testing/network";
import type { TestNetwork } from "../src/testing/network";

const LEVELS = (process.env.BENCH_LEVELS ?? "1,8,32,128").split(",").map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** One POST on a keep-alive agent; resolves with the status and the milliseconds it took. */
function post(agent: http.Agent, url: URL, key: string, body: string): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.request(
      url,
      {
        method: "POST",
        agent,
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "content-length": body.length },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
      },
    );
    req.on("error", () => resolve({ status: 0, ms: performance.now() - t0 }));
    req.end(body);
  });
}

/** Every miner redeems what its answered work earned from the client; returns what the chain burned. */
async function redeemAll(net: TestNetwork): Promise<bigint> {
  const [burned0] = await net.billing.totals();
  const [pending0] = await net.billing.pending();
  for (const m of net.miners) {
    for (const r of m.book.unredeemed()) {
      await (await net.billing.connect(m.hotkey).redeemUpTo(r.voucher, r.signature, r.upTo)).wait();
      m.book.markRedeemed(r.voucher.client, r.upTo);
    }
  }
  const [burned1] = await net.billing.totals();
  const [pending1] = await net.billing.pending();
  return burned1 + pending1 - burned0 - pending0;
}

async function main(): Promise<void> {
  const net = await startTestNetwork({ miners: 2, deposit: parseEther("500") });
  const gateway = await startBenchGateway(net, 20_000);
  const { runtime } = gateway;
  const url = new URL(`${gateway.url}/v1/chat/completions`);
  const body = JSON.stringify({ model: "noos-tiny", messages: [{ role: "user", content: "Ahoy" }], max_tokens: 16 });
  console.log(
    `gateway load: 2 noos-tiny miners, max_tokens 16, ${SECONDS} s per level (client, gateway, miners on one machine)`,
  );
  console.log("conns  answered/s    p50 ms    p99 ms    429s    503s  other   charged NOOS   burned NOOS  equal");
  let allEqual = true;
  for (const conns of LEVELS) {
    const { record, key } = await runtime.apiKeys.create(`load-${conns}`);
    const agent = new http.Agent({ keepAlive: true, maxSockets: conns });
    const latencies: number[] = [];
    const counts = new Map<number, number>();
    const until = performance.now() + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: conns }, async () => {
        while (performance.now() < until) {
          const { status, ms } = await post(agent, url, key, body);
          counts.set(status, (counts.get(status) ?? 0) + 1);
          if (status === 200) latencies.push(ms);
          // A shed call is told to come back in a second (Retry-After: 1), as the official client does.
          else if (status === 429) await new Promise((r) => setTimeout(r, 1_000));
        }
      }),
    );
    agent.destroy();
    await runtime.usage.flush();
    const charged = (await runtime.usage.get(record.id)).charged;
    const burned = await redeemAll(net);
    latencies.sort((a, b) => a - b);
    const answered = counts.get(200) ?? 0;
    const other = [...counts].filter(([st]) => st !== 200 && st !== 429 && st !== 503).reduce((n, [, c]) => n + c, 0);
    allEqual &&= burned === charged;
    console.log(
      [
        String(conns).padStart(5),
        (answered / SECONDS).toFixed(1).padStart(11),
        percentile(latencies, 50).toFixed(1).padStart(9),
        percentile(latencies, 99).toFixed(1).padStart(9),
        String(counts.get(429) ?? 0).padStart(7),
        String(counts.get(503) ?? 0).padStart(7),
        String(other).padStart(6),
        formatEther(charged).padStart(14),
        formatEther(burned).padStart(13),
        burned === charged ? "  yes" : "  NO",
      ].join(" "),
    );
  }
  await gateway.close();
  await net.stop();
  if (!allEqual) throw new Error("the chain burned a different amount than the gateway charged");
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
