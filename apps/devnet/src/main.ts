/**
 * `npm run devnet`: the whole network on this machine. Starts a Hardhat node (or uses --rpc),
 * deploys and configures every contract, sets up subnets, neurons, stakes and the client's
 * escrow, then runs miners, validators, the gateway and the explorer as child processes with an
 * epoch keeper and a status line, until Ctrl-C stops everything.
 */
import fs from "node:fs";
import path from "node:path";
import { execFile } from "node:child_process";
import { CommanderError } from "commander";
import { formatEther } from "ethers";
import { banner } from "./banner";
import { connectChain, startHardhatNode } from "./chain";
import type { DevnetChain } from "./chain";
import { DevnetConsole, colours } from "./console";
import { DEVNET_SUBNETS, devnetGenesis } from "./genesis";
import { devnetAccounts, writeDevnetKeystores } from "./keys";
import type { EpochKeeper, FinishedEpoch } from "./keeper";
import { parseDevnetOptions } from "./options";
import type { DevnetOptions } from "./options";
import { ProcessGroup } from "./processes";
import { recordChild, startReaper, stopReaper } from "./reaper";
import { portFree } from "@noosphere/node-kit";
import { ensureRedis, flushDevnetRedis } from "./redis";
import {
  NOOS_BIN,
  STOP_ORDER,
  hasCommand,
  startExplorerService,
  startGateway,
  startMiners,
  startValidators,
  waitForHttp,
} from "./services";
import type { ServiceContext } from "./services";
import { writeState } from "./state";
import type { DevnetState } from "./state";
import { REPO_ROOT } from "./paths";

async function main(): Promise<void> {
  let opts: DevnetOptions;
  try {
    opts = parseDevnetOptions(process.argv.slice(2));
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
    process.stderr.write(`devnet: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const started = Date.now();
  const out = new DevnetConsole();
  const c = colours(out.tty);
  const say = (message: string) => out.line(`${c.bold("devnet".padEnd(12))}${out.tty ? "│" : "|"} ${message}`);
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

  let keeper: EpochKeeper | undefined;
  let statusTimer: NodeJS.Timeout | undefined;
  let stopping: Promise<void> | undefined;
  const stateFile = path.join(opts.dir, "state.json");
  fs.mkdirSync(opts.dir, { recursive: true });
  const childrenFile = path.join(opts.dir, "children");
  const reaper = startReaper(childrenFile);
  const group = new ProcessGroup({
    write: (line) => out.line(line),
    colour: out.tty,
    onStart: (proc) => recordChild(childrenFile, proc.kind, proc.child.pid!),
    onUnexpectedExit: (proc, code, signal) => {
      say(c.yellow(`${proc.name} exited (${signal ?? `code ${code}`})`));
      if (proc.kind === "chain" || proc.kind === "redis") void shutdown(1, `the ${proc.kind} stopped`);
    },
  });

  const shutdown = (code: number, why?: string): Promise<void> => {
    stopping ??= (async () => {
      clearInterval(statusTimer);
      out.clearStatus();
      if (why) say(why);
      if (group.running.length > 0) say(`stopping ${group.running.length} processes (miners redeem first)…`);
      await keeper?.stop().catch(() => undefined);
      await group.stopAll(STOP_ORDER);
      stopReaper(reaper, childrenFile);
      fs.rmSync(stateFile, { force: true });
      say(
        group.running.length === 0
          ? "stopped; nothing left running"
          : c.red(`${group.running.length} processes did not stop`),
      );
      process.exit(code);
    })();
    return stopping;
  };
  // `npm run devnet` delivers one Ctrl-C twice: the terminal signals npm's whole process group
  // and npm forwards the signal to its child. A second Ctrl-C counts only after a pause.
  let firstSignalAt: number | undefined;
  const onSignal = () => {
    if (firstSignalAt === undefined) {
      firstSignalAt = Date.now();
      void shutdown(0);
    } else if (Date.now() - firstSignalAt > 1_500) {
      say("second Ctrl-C: killing everything now");
      stopReaper(reaper, childrenFile);
      for (const p of group.all) {
        try {
          if (p.child.pid) process.kill(-p.child.pid, "SIGKILL");
        } catch {
          /* gone */
        }
      }
      process.exit(1);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // A closed terminal: stop as on Ctrl-C, and never die of writing to it meanwhile.
  process.on("SIGHUP", onSignal);
  process.stdout.on("error", () => undefined);
  process.stderr.on("error", () => undefined);

  try {
    // 0. Ports: better now than a service failing a minute in.
    const ports: [string, number][] = [
      ...(opts.rpc ? [] : ([["--port", opts.port]] as [string, number][])),
      ["--gateway-port", opts.gatewayPort],
      ...(opts.explorer ? ([["--explorer-port", opts.explorerPort]] as [string, number][]) : []),
    ];
    for (const [flag, port] of ports) {
      if (!(await portFree(port)))
        throw new Error(`port ${port} is taken (is another devnet running?): pass ${flag} <port>`);
    }

    // 1. The chain, the keys and Redis side by side; the deploy code loads meanwhile.
    say(
      opts.rpc
        ? `using the chain at ${opts.rpc}`
        : `starting a Hardhat node on port ${opts.port} (${opts.blockTimeMs} ms blocks)`,
    );
    const chainReady: Promise<DevnetChain> = opts.rpc
      ? connectChain(opts.rpc, 15_000)
      : startHardhatNode(group, { port: opts.port, blockTimeMs: opts.blockTimeMs });
    const accounts = devnetAccounts(opts.miners, opts.validators);
    const keysWritten = writeDevnetKeystores(path.join(opts.dir, "keys"), accounts);
    const redisReady = ensureRedis({ url: opts.redis, group, log: say });
    // Loaded while the node starts (the deploy code pulls in Hardhat and every binding).
    const { launchNoosphere } = require("@noosphere/deploy") as typeof import("@noosphere/deploy");
    // The devnet's governance (a vote of a minute) is named in its genesis, on any chain it runs on.
    const { setUpNetwork } = require("./setup") as typeof import("./setup");
    const [chain, keys, redis] = await Promise.all([chainReady, keysWritten, redisReady]);
    say(`chain ${chain.chainId} answers at ${chain.rpcUrl} (${elapsed()})`);

    // 2. Contracts, genesis, hand-over to the DAO timelock; then the network on top.
    const genesis = devnetGenesis({
      deployer: accounts.deployer.address,
      subnetOwner: accounts.subnetOwner.address,
      client: accounts.client.address,
      validatorColdkeys: accounts.validators.map((v) => v.coldkey.address),
      minerColdkeys: accounts.miners.map((m) => m.coldkey.address),
    });
    const launched = await launchNoosphere({ deployer: accounts.deployer.connect(chain.provider), genesis, log: say });
    say(`contracts ready (${elapsed()})`);
    await setUpNetwork(chain.provider, launched.deployment, accounts, { tempo: opts.tempo, log: say });
    if (launched.deployed && !opts.redis && !redis.started) await flushDevnetRedis(redis.url);
    // A new chain: the miners' vouchers and nonces of an earlier one are void (same addresses, other escrow).
    const minerStateDir = path.join(opts.dir, "miner-state");
    if (launched.deployed) fs.rmSync(minerStateDir, { recursive: true, force: true });
    // From here on a block every --block-time and no more: a block per transaction would let the
    // services' transactions (weights, epochs) drive the block rate, and epochs with it. A chain
    // given with --rpc is paced the same way if it is a development node (Hardhat, Anvil).
    if (!opts.rpc) await chain.provider.send("evm_setAutomine", [false]);
    else await paceDevChain(chain, opts.blockTimeMs, say);
    say(`network set up (${elapsed()})`);
    if (opts.exitAfterSetup) return void (await shutdown(0, "set up; exiting (--exit-after-setup)"));

    // 3. Epochs tick: the keeper runs each subnet's epoch when it is due.
    const state: DevnetState = {
      pid: process.pid,
      startedAt: started,
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      redisUrl: redis.url,
      deployment: launched.deployment,
      deploymentFile: launched.file,
      keysDir: keys.dir,
      tempo: opts.tempo,
      blockTimeMs: opts.blockTimeMs,
      epochs: [],
      processes: [],
    };
    const save = () =>
      writeState(stateFile, {
        ...state,
        processes: group.all.map((p) => ({ name: p.name, kind: p.kind, pid: p.child.pid ?? 0 })),
      });
    const { EpochKeeper: Keeper } = require("./keeper") as typeof import("./keeper");
    keeper = new Keeper(
      chain.provider,
      accounts.keeper,
      launched.deployment,
      DEVNET_SUBNETS.map((s) => s.netuid),
      {
        intervalMs: Math.max(250, Math.floor(opts.blockTimeMs / 2)),
        onFinished: (e: FinishedEpoch) => {
          state.epochs.push({
            netuid: e.netuid,
            epoch: e.epoch,
            block: e.block,
            ownerCut: e.ownerCut.toString(),
            paid: e.paid.toString(),
            carried: e.carried.toString(),
            toMiners: e.toMiners.toString(),
            toValidators: e.toValidators.toString(),
            atMs: Date.now() - started,
          });
          const total = e.ownerCut + e.paid;
          if (total > 0n && state.firstEpochPaidMs === undefined) {
            state.firstEpochPaidMs = Date.now() - started;
            say(
              c.green(
                `first epoch paid: subnet ${e.netuid} epoch ${e.epoch}, ${formatEther(total)} NOOS (${elapsed()} after start)`,
              ),
            );
          }
          if (e.toMiners > 0n && state.firstIncentiveMs === undefined) {
            state.firstIncentiveMs = Date.now() - started;
            say(
              c.green(
                `first epoch paying miners by incentive: subnet ${e.netuid} epoch ${e.epoch} (${elapsed()} after start)`,
              ),
            );
          }
          save();
        },
        onError: (err) => {
          if (!stopping) say(c.yellow(`epoch keeper: ${(err as Error).message}`));
        },
      },
    );
    keeper.start();

    // 4. Services.
    const ctx: ServiceContext = {
      group,
      rpcUrl: chain.rpcUrl,
      redisUrl: redis.url,
      accounts,
      keys,
      log: say,
      redeemIntervalSeconds: opts.redeemInterval,
      minerStateDir,
    };
    startMiners(ctx);
    startValidators(ctx);
    const apiKey = hasCommand("gateway") ? await createApiKey(redis.url) : undefined;
    const gateway = startGateway(ctx, opts.gatewayPort);
    const gatewayUrl = gateway ? `http://127.0.0.1:${opts.gatewayPort}` : undefined;
    const explorer = opts.explorer
      ? startExplorerService(ctx, opts.explorerPort, gatewayUrl && apiKey ? { url: gatewayUrl, apiKey } : undefined)
      : undefined;
    const explorerUrl = explorer ? `http://127.0.0.1:${opts.explorerPort}` : undefined;
    Object.assign(state, { gatewayUrl, apiKey, explorerUrl });
    save();

    // 5. Status line.
    const { StatusReader, formatStatus } = require("./status") as typeof import("./status");
    const reader = new StatusReader(
      chain.provider,
      launched.deployment,
      DEVNET_SUBNETS.map((s) => s.netuid),
    );
    let reading = false;
    statusTimer = setInterval(() => {
      if (reading || stopping) return;
      reading = true;
      reader
        .read()
        .then((s) => out.setStatus(formatStatus(s, { up: group.running.length, total: group.all.length })))
        .catch(() => undefined)
        .finally(() => (reading = false));
    }, 1_000);

    // 6. Where everything is, once the gateway and the explorer answer.
    await Promise.all([
      gateway && gatewayUrl
        ? waitForHttp(`${gatewayUrl}/health`, 120_000, gateway).catch((e: Error) => say(c.yellow(e.message)))
        : undefined,
      explorer && explorerUrl
        ? waitForHttp(`${explorerUrl}/health`, 120_000, explorer).catch((e: Error) => say(c.yellow(e.message)))
        : undefined,
    ]);
    const textModel = gatewayUrl && apiKey ? await firstTextModel(gatewayUrl, apiKey) : undefined;
    out.line(
      banner({
        rpcUrl: chain.rpcUrl,
        chainId: chain.chainId,
        gatewayUrl,
        apiKey,
        textModel,
        explorerUrl,
        redisUrl: redis.url,
        keysDir: keys.dir,
        daoKey: keys.dao,
        deploymentFile: launched.file,
        stateFile,
        tty: out.tty,
      }),
    );
    state.readyMs = Date.now() - started;
    save();
  } catch (err) {
    if (stopping) return; // a Ctrl-C during setup: the chain went away under it
    say(c.red(`failed: ${(err as Error).message}`));
    if (process.env.NOOS_DEVNET_DEBUG) console.error(err);
    await shutdown(1);
  }
}

/**
 * Paces a Hardhat or Anvil node as the devnet's own: a block every `blockTimeMs`, none per
 * transaction (with automine the services' transactions would drive the block rate, and epochs
 * with it). Other chains are left as they are.
 */
async function paceDevChain(chain: DevnetChain, blockTimeMs: number, say: (m: string) => void): Promise<void> {
  const client = String(await chain.provider.send("web3_clientVersion", []).catch(() => ""));
  if (!/hardhat|anvil/i.test(client)) return;
  await chain.provider.send("evm_setIntervalMining", [blockTimeMs]);
  await chain.provider.send("evm_setAutomine", [false]);
  say(`${client.split("/")[0]} at ${chain.rpcUrl} now mines a block every ${blockTimeMs} ms, none per transaction`);
}

/** Creates the devnet's gateway API key with `noos gateway keys create` (it only needs Redis). */
function createApiKey(redisUrl: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [NOOS_BIN, "gateway", "keys", "create", "--name", "devnet", "--redis", redisUrl],
      { cwd: REPO_ROOT, timeout: 60_000 },
      (err, stdout, stderr) => {
        const key = /noos_[a-z0-9]{12}_[A-Za-z0-9]{40}/.exec(stdout)?.[0];
        if (err || !key)
          process.stderr.write(`devnet: could not create a gateway API key: ${err?.message ?? stderr}\n`);
        resolve(key);
      },
    );
  });
}

/** The first text-generation model the gateway lists (its ids name subnet, model and tier). */
async function firstTextModel(gatewayUrl: string, apiKey: string): Promise<string | undefined> {
  try {
    const res = await fetch(`${gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${apiKey}` } });
    const body = (await res.json()) as { data?: { id: string }[] };
    return body.data?.map((m) => m.id).find((id) => id.startsWith("sn1/"));
  } catch {
    return undefined;
  }
}

void main();
