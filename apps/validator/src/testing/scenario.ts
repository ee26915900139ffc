/**
 * A whole small network for the validator's tests: a Hardhat node with every contract the
 * validator touches, a text-generation subnet, a staked validator hotkey (so it gets a permit at
 * the first epoch), real miners serving noos-tiny and misbehaving ones, all with axons on-chain.
 */
import type { Wallet } from "ethers";
import { wireDomain } from "@noosphere/protocol";
import type { TypedDataDomain } from "ethers";
import { devAccount, startHardhatNode } from "@noosphere/testkit";
import type { HardhatNode } from "@noosphere/testkit";
import { E18, configureConsensus, deployTestNetwork, registerHotkey, serveAxon, stakeOn } from "./network";
import type { TestNetwork } from "./network";
import { loadTinyModel, startBadMiner, startTextMiner } from "./miner";
import type { BadBehaviour, RunningMiner } from "./miner";

export interface ScenarioOptions {
  tempo: number;
  /** Honest miners serving noos-tiny. */
  good: number;
  bad?: BadBehaviour[];
  /** Blocks between commits (the contract's default, 100, is longer than a test's epochs). */
  weightsRateLimit?: number;
  /** Mine a block every this many ms (epochs are counted in blocks); 0: only on transactions. */
  blockTimeMs?: number;
}

export interface ScenarioMiner {
  kind: "good" | BadBehaviour;
  uid: number;
  hotkey: Wallet;
  server: RunningMiner;
}

export interface Scenario {
  chain: HardhatNode;
  network: TestNetwork;
  domain: TypedDataDomain;
  validatorKey: Wallet;
  validatorUid: number;
  miners: ScenarioMiner[];
  close(): Promise<void>;
}

export async function buildScenario(opts: ScenarioOptions): Promise<Scenario> {
  const chain = await startHardhatNode();
  const miners: ScenarioMiner[] = [];
  try {
    const network = await deployTestNetwork(chain, { taskId: "text-generation", tempo: opts.tempo });
    await configureConsensus(network, { weightsRateLimit: opts.weightsRateLimit ?? 1 });
    const validatorKey = devAccount(1, chain.provider);
    const validatorUid = await registerHotkey(network, validatorKey);
    await stakeOn(network, validatorKey, 1_000n * E18);
    const domain = wireDomain(chain.chainId, network.addresses.subnets);
    const model = opts.good > 0 ? await loadTinyModel() : undefined;
    const kinds: ("good" | BadBehaviour)[] = [...Array<"good">(opts.good).fill("good"), ...(opts.bad ?? [])];
    for (const [i, kind] of kinds.entries()) {
      const hotkey = devAccount(2 + i, chain.provider);
      const uid = await registerHotkey(network, hotkey);
      const server =
        kind === "good"
          ? await startTextMiner({
              hotkey,
              netuid: network.netuid,
              chainId: chain.chainId,
              wireDomain: domain,
              chain: { subnets: network.subnets, billing: network.billing },
              model: i === 0 ? model : undefined,
            })
          : await startBadMiner(kind, { hugeBytes: 4 * 1024 * 1024 });
      miners.push({ kind, uid, hotkey, server });
      await serveAxon(network, hotkey, server.host, server.port);
    }
    if (opts.blockTimeMs) await chain.provider.send("evm_setIntervalMining", [opts.blockTimeMs]);
    return {
      chain,
      network,
      domain,
      validatorKey,
      validatorUid,
      miners,
      close: async () => {
        await Promise.all(miners.map((m) => m.server.close()));
        await chain.stop();
      },
    };
  } catch (err) {
    await Promise.all(miners.map((m) => m.server.close()));
    await chain.stop();
    throw err;
  }
}
