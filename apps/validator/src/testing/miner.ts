/**
 * Real miners for the validator's tests: the miner app (apps/miner) with a real model, and
 * misbehaving servers (hang, garbage, huge output, unsigned, forged) on real sockets.
 *
 * The honest miner is the test kit's (@noosphere/testkit/miner), so the tests follow the miner's API there.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Wallet, TypedDataDomain } from "ethers";
import type { TextGenerationModel } from "@noosphere/inference";
import {
  HEADERS,
  bodyHash,
  outputHash,
  requestHash as hashRequest,
  signResponse,
  voucherDomain,
} from "@noosphere/protocol";
import { ContractChainView, TextGenerationTask } from "@noosphere/miner";
import type { MinerChainView } from "@noosphere/miner";
import type { Billing, SubnetRegistry } from "@noosphere/contracts";
import { loadTinyModel, serveTestMiner } from "@noosphere/testkit/miner";

export { loadTinyModel } from "@noosphere/testkit/miner";

export interface RunningMiner {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

export interface TestMinerOptions {
  hotkey: Wallet;
  netuid: number;
  chainId: number;
  wireDomain: TypedDataDomain;
  /** What the miner reads on-chain (permits, prices, limits). */
  chain: { subnets: SubnetRegistry; billing: Billing } | MinerChainView;
  model?: TextGenerationModel;
  concurrency?: number;
  maxQueued?: number;
}

/** The real miner app serving text generation with noos-tiny on 127.0.0.1 (a free port), standard tier. */
export async function startTextMiner(opts: TestMinerOptions): Promise<RunningMiner> {
  const model = opts.model ?? (await loadTinyModel());
  const chain: MinerChainView =
    "subnets" in opts.chain
      ? new ContractChainView({ ...opts.chain, netuid: opts.netuid, tier: 0, miner: opts.hotkey.address })
      : opts.chain;
  const billing = "subnets" in opts.chain ? await opts.chain.billing.getAddress() : "0x" + "00".repeat(20);
  return serveTestMiner({
    task: new TextGenerationTask(model),
    hotkey: opts.hotkey,
    netuid: opts.netuid,
    tier: 0,
    wireDomain: opts.wireDomain,
    voucherDomain: voucherDomain(opts.chainId, billing),
    chain,
    concurrency: opts.concurrency,
    maxQueued: opts.maxQueued ?? 64,
  });
}

export type BadBehaviour =
  | "hang" // accepts the request and never answers
  | "garbage" // 200 with bytes that are not JSON
  | "huge" // 200 with a signed-looking JSON body of many megabytes
  | "unsigned" // the right shape, no signature
  | "forged" // signed by another key than the miner's hotkey
  | "wrong-hash" // signed, but outputHash is not the output's
  | "refuse" // 429 (busy) every time
  | "error"; // 500

/**
 * A server that misbehaves in one way. `signer` signs answers where the behaviour signs
 * (forged: pass another key than the hotkey on-chain).
 */
export async function startBadMiner(
  behaviour: BadBehaviour,
  opts: {
    /** Signs answers (forged: a key that is not `miner`). */
    signer?: Wallet;
    /** The hotkey requests name (to compute the request hash that is signed). */
    miner?: string;
    wireDomain?: TypedDataDomain;
    hugeBytes?: number;
  } = {},
): Promise<RunningMiner & { requests: number }> {
  const sockets = new Set<import("node:net").Socket>();
  const state = { requests: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      state.requests++;
      void answer(res, req.headers, Buffer.concat(chunks));
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  async function answer(res: http.ServerResponse, headers: http.IncomingHttpHeaders, raw: Buffer): Promise<void> {
    const output = { text: "Ishmael", finishReason: "length", usage: { promptTokens: 1, completionTokens: 1 } };
    const body = JSON.stringify(output);
    const h = (name: string) => String(headers[name] ?? "0");
    const requestHash =
      opts.miner && opts.wireDomain
        ? hashRequest(opts.wireDomain, {
            caller: h(HEADERS.caller),
            miner: opts.miner,
            netuid: Number(h(HEADERS.netuid)),
            bodyHash: bodyHash(raw),
            nonce: BigInt(h(HEADERS.nonce)),
            deadline: BigInt(h(HEADERS.deadline)),
          })
        : "0x" + "11".repeat(32);
    switch (behaviour) {
      case "hang":
        return; // never answers
      case "garbage":
        res.writeHead(200, { "content-type": "application/json" }).end("\u0000\u00ff not json {");
        return;
      case "huge": {
        const size = opts.hugeBytes ?? 8 * 1024 * 1024;
        res.writeHead(200, { "content-type": "application/json" });
        res.write(`{"output":{"text":"`);
        const block = "a".repeat(64 * 1024);
        let sent = 0;
        const pump = () => {
          while (sent < size) {
            sent += block.length;
            if (!res.write(block)) {
              res.once("drain", pump);
              return;
            }
          }
          res.end(`"},"signature":"0x00"}`);
        };
        res.on("error", () => undefined);
        pump();
        return;
      }
      case "unsigned":
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ output, outputHash: outputHash(body), requestHash, owed: "0", miner: "0x" }));
        return;
      case "forged":
      case "wrong-hash": {
        if (!opts.signer || !opts.wireDomain) throw new Error(`${behaviour} needs a signer and a wire domain`);
        const hash = behaviour === "forged" ? outputHash(body) : outputHash("something else");
        const signature = await signResponse(opts.signer, opts.wireDomain, { requestHash, outputHash: hash, owed: 0n });
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(
            JSON.stringify({ output, outputHash: hash, requestHash, owed: "0", signature, miner: opts.signer.address }),
          );
        return;
      }
      case "refuse":
        res
          .writeHead(429, { "retry-after": "1", "content-type": "application/json" })
          .end('{"error":{"code":"overloaded"}}');
        return;
      case "error":
        res.writeHead(500, { "content-type": "application/json" }).end('{"error":{"code":"boom"}}');
        return;
    }
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    host: "127.0.0.1",
    port,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
