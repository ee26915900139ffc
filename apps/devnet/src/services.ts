import fs from "node:fs";
import path from "node:path";
import type { ManagedProcess, ProcessGroup } from "./processes";
import { DEVNET_SUBNETS } from "./genesis";
import { DEVNET_PASSWORD } from "./keys";
import type { DevnetAccounts, DevnetKeyFiles } from "./keys";
import { REPO_ROOT } from "./paths";

export const NOOS_BIN = path.join(REPO_ROOT, "apps/cli/bin/noos.js");

/** Stop order on Ctrl-C: nothing new comes in, then miners redeem their vouchers while the chain still runs. */
export const STOP_ORDER = ["explorer", "gateway", "validator", "miner", "redis", "chain"];

export interface ServiceContext {
  group: ProcessGroup;
  rpcUrl: string;
  redisUrl: string;
  accounts: DevnetAccounts;
  keys: DevnetKeyFiles;
  log: (message: string) => void;
  /** Seconds between a miner's voucher redemptions. */
  redeemIntervalSeconds: number;
  /** Where each miner keeps its answered vouchers and nonces (emptied for a new chain). */
  minerStateDir: string;
}

/** Whether this checkout's `noos` has a top-level command (services land one branch at a time). */
export function hasCommand(name: string): boolean {
  const index = path.join(REPO_ROOT, "apps/cli/src/commands/index.ts");
  return fs.readFileSync(index, "utf8").includes(`${name}Command()`);
}

/** Runs `noos <args>` as a service of the devnet. */
export function startNoos(
  ctx: ServiceContext,
  name: string,
  kind: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): ManagedProcess {
  return ctx.group.start(name, process.execPath, [NOOS_BIN, ...args], {
    kind,
    cwd: REPO_ROOT,
    env: { ...process.env, NOOS_KEY_PASSWORD: DEVNET_PASSWORD, NOOS_RPC_URL: ctx.rpcUrl, ...env },
  });
}

/** One miner per devnet miner key, on its subnet, on the CPU, on any free port (published on-chain). */
export function startMiners(ctx: ServiceContext): ManagedProcess[] {
  if (!hasCommand("miner")) {
    ctx.log("no miners: this checkout's noos has no 'miner' command yet");
    return [];
  }
  return ctx.accounts.miners.map((m, i) =>
    startNoos(ctx, `miner-${i}`, "miner", [
      "miner",
      "start",
      "--netuid",
      String(m.netuid),
      "--key",
      ctx.keys.miners[i]!,
      "--owner",
      m.coldkey.address,
      "--device",
      "cpu",
      "--port",
      "0",
      "--redeem-interval",
      String(ctx.redeemIntervalSeconds),
      "--state",
      path.join(ctx.minerStateDir, `miner-${i}.jsonl`),
      "--rpc",
      ctx.rpcUrl,
    ]),
  );
}

/** Each validator validates every subnet: one `noos validator start` per (validator, subnet). */
export function startValidators(ctx: ServiceContext): ManagedProcess[] {
  if (!hasCommand("validator")) {
    ctx.log("no validators: this checkout's noos has no 'validator' command yet");
    return [];
  }
  const procs: ManagedProcess[] = [];
  ctx.accounts.validators.forEach((_, i) => {
    for (const { netuid } of DEVNET_SUBNETS) {
      procs.push(
        startNoos(ctx, `val-${i}.${netuid}`, "validator", [
          "validator",
          "start",
          "--netuid",
          String(netuid),
          "--key",
          ctx.keys.validators[i]!,
          "--redis",
          ctx.redisUrl,
          "--port",
          "0",
          "--rpc",
          ctx.rpcUrl,
          "--allow-private-axons", // the devnet's miners listen on 127.0.0.1
        ]),
      );
    }
  });
  return procs;
}

export function startGateway(ctx: ServiceContext, port: number): ManagedProcess | undefined {
  if (!hasCommand("gateway")) {
    ctx.log("no gateway: this checkout's noos has no 'gateway' command yet");
    return undefined;
  }
  return startNoos(ctx, "gateway", "gateway", [
    "gateway",
    "start",
    "--key",
    ctx.keys.gateway,
    "--client",
    ctx.accounts.client.address,
    "--redis",
    ctx.redisUrl,
    "--port",
    String(port),
    "--rpc",
    ctx.rpcUrl,
    "--allow-private-axons", // the devnet's miners listen on 127.0.0.1
  ]);
}

export function startExplorerService(
  ctx: ServiceContext,
  port: number,
  gateway?: { url: string; apiKey: string },
): ManagedProcess {
  return startNoos(
    ctx,
    "explorer",
    "explorer",
    ["explorer", "start", "--port", String(port), "--rpc", ctx.rpcUrl, ...(gateway ? ["--gateway", gateway.url] : [])],
    gateway ? { NOOS_GATEWAY_API_KEY: gateway.apiKey } : {},
  );
}

/** Resolves once `url` answers 200, or rejects after `timeoutMs` (or when `proc` exits first). */
export async function waitForHttp(url: string, timeoutMs: number, proc?: ManagedProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc?.exited.then(() => (exited = true));
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    if (exited) throw new Error(`${proc!.name} exited before ${url} answered`);
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
