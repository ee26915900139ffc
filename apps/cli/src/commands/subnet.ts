import { Command } from "commander";
import { withChain, withKey, withRpc, openSigner } from "../chain/context";
import type { Chain, KeyOptions, RpcOptions } from "../chain/context";
import { parseNoos, parseSmallInteger } from "../chain/amounts";
import { formatNoos, trimNoos } from "../chain/format";
import { print, printJson, table } from "../chain/output";
import { findEvent, preflight, send } from "../chain/tx";
import { approveIfNeeded, requireBalance } from "../chain/token";
import { UserError } from "../errors";

/** One line of `noos subnet list` / `noos status`. */
export interface SubnetSummary {
  netuid: number;
  taskId: string;
  owner: string;
  neurons: number;
  maxUids: number;
  tempo: number;
  emissionBps: number;
  burnPrice: bigint;
}

/** Every subnet with its task, size, tempo, emission share and registration price. */
export async function listSubnets(chain: Chain): Promise<SubnetSummary[]> {
  const count = Number(await chain.subnets.subnetCount());
  const netuids = Array.from({ length: count }, (_, i) => i + 1);
  return Promise.all(
    netuids.map(async (netuid) => {
      const [params, owner, neurons, bps, burnPrice] = await Promise.all([
        chain.subnets.params(netuid),
        chain.subnets.subnetOwner(netuid),
        chain.subnets.neuronCount(netuid),
        chain.emission.emissionShare(netuid),
        chain.subnets.burnPrice(netuid),
      ]);
      return {
        netuid,
        taskId: params.taskId,
        owner,
        neurons: Number(neurons),
        maxUids: Number(params.maxUids),
        tempo: Number(params.tempo),
        emissionBps: Number(bps),
        burnPrice,
      };
    }),
  );
}

/** One neuron of `noos subnet show`. */
export interface NeuronView {
  uid: number;
  hotkey: string;
  stake: bigint;
  validatorPermit: boolean;
  registeredAt: number;
  lastEmission: bigint;
  axon: { host: string; port: number; protocol: string; modelHash: string } | null;
}

export interface SubnetView extends SubnetSummary {
  locked: bigint;
  params: {
    maxValidators: number;
    immunityPeriod: number;
    minValidatorStake: bigint;
    minBurn: bigint;
    burnHalfLife: number;
    restrictModels: boolean;
  };
  neuronList: NeuronView[];
}

/** A subnet with its parameters and every neuron (uid, hotkey, stake, permit, axon). */
export async function showSubnet(chain: Chain, netuid: number): Promise<SubnetView> {
  if (!(await chain.subnets.subnetExists(netuid))) {
    throw new UserError(`there is no subnet ${netuid}: see 'noos subnet list'`);
  }
  const { subnets, staking } = chain;
  const [params, lock, bps, burnPrice, [hotkeys, registeredAts, lastEmissions], permits] = await Promise.all([
    subnets.params(netuid),
    subnets.subnetLock(netuid),
    chain.emission.emissionShare(netuid),
    subnets.burnPrice(netuid),
    subnets.neurons(netuid),
    subnets.validatorPermits(netuid),
  ]);
  const neuronList = await Promise.all(
    hotkeys.map(async (hotkey, uid): Promise<NeuronView> => {
      const [stake, axon] = await Promise.all([staking.stakeOf(hotkey), subnets.axonOf(netuid, uid)]);
      return {
        uid,
        hotkey,
        stake,
        validatorPermit: permits[uid] ?? false,
        registeredAt: Number(registeredAts[uid]),
        lastEmission: lastEmissions[uid] ?? 0n,
        axon:
          axon.host === ""
            ? null
            : { host: axon.host, port: Number(axon.port), protocol: axon.protocol, modelHash: axon.modelHash },
      };
    }),
  );
  return {
    netuid,
    taskId: params.taskId,
    owner: lock.owner,
    locked: lock.locked,
    neurons: neuronList.length,
    maxUids: Number(params.maxUids),
    tempo: Number(params.tempo),
    emissionBps: Number(bps),
    burnPrice,
    params: {
      maxValidators: Number(params.maxValidators),
      immunityPeriod: Number(params.immunityPeriod),
      minValidatorStake: params.minValidatorStake,
      minBurn: params.minBurn,
      burnHalfLife: Number(params.burnHalfLife),
      restrictModels: params.restrictModels,
    },
    neuronList,
  };
}

interface CreateOptions extends RpcOptions, KeyOptions {
  task: string;
  tempo: string;
  maxUids: string;
  maxValidators: string;
  immunityPeriod: string;
  minValidatorStake: string;
  minBurn: string;
  burnHalfLife: string;
  restrictModels?: boolean;
}

export function subnetCommand(): Command {
  const subnet = new Command("subnet").description("create and inspect subnets");

  const create = subnet
    .command("create")
    .description("create a subnet owned by --key, locking the subnet lock cost")
    .requiredOption("--task <id>", "task id served on the subnet, e.g. text-generation or ocr")
    .option("--tempo <blocks>", "blocks per epoch", "360")
    .option("--max-uids <n>", "neurons at most (1-256)", "256")
    .option("--max-validators <n>", "validator permits at most (1-64)", "64")
    .option("--immunity-period <blocks>", "blocks a new neuron cannot be pruned", "4096")
    .option("--min-validator-stake <NOOS>", "stake a validator permit needs", "0")
    .option("--min-burn <NOOS>", "floor of the registration burn", "1")
    .option("--burn-half-life <blocks>", "blocks for the registration price to halve back", "360")
    .option("--restrict-models", "only allow-listed models may be served");
  withRpc(create);
  withKey(create);
  create.action((opts: CreateOptions) => createSubnet(opts));

  const list = subnet.command("list").description("list subnets").option("--json", "print JSON");
  withRpc(list);
  list.action((opts: RpcOptions & { json?: boolean }) =>
    withChain(opts, async (chain) => {
      const subnets = await listSubnets(chain);
      if (opts.json) return printJson(subnets);
      if (subnets.length === 0) return print("no subnets yet: create one with 'noos subnet create --task <id>'");
      const rows = subnets.map((s) => [
        String(s.netuid),
        s.taskId,
        `${s.neurons}/${s.maxUids}`,
        String(s.tempo),
        `${s.emissionBps / 100}%`,
        trimNoos(s.burnPrice),
        s.owner,
      ]);
      for (const line of table(["netuid", "task", "neurons", "tempo", "emission", "burn (NOOS)", "owner"], rows)) {
        print(line);
      }
    }),
  );

  const show = subnet
    .command("show")
    .description("a subnet's parameters and neurons (uid, hotkey, stake, axon)")
    .argument("<netuid>", "subnet id")
    .option("--json", "print JSON");
  withRpc(show);
  show.action((netuidText: string, opts: RpcOptions & { json?: boolean }) =>
    withChain(opts, async (chain) => {
      const view = await showSubnet(chain, parseSmallInteger(netuidText, "netuid", { min: 1n, max: 65_535n }));
      if (opts.json) return printJson(view);
      printSubnet(view);
    }),
  );
  return subnet;
}

function printSubnet(s: SubnetView): void {
  print(`subnet ${s.netuid}: ${s.taskId}`);
  print(`  owner              ${s.owner} (locked ${formatNoos(s.locked)})`);
  print(`  tempo              ${s.tempo} blocks`);
  print(`  neurons            ${s.neurons} of ${s.maxUids}, validators at most ${s.params.maxValidators}`);
  print(`  emission share     ${s.emissionBps / 100}%`);
  print(
    `  registration burn  ${formatNoos(s.burnPrice)} now (floor ${formatNoos(s.params.minBurn)}, half-life ${s.params.burnHalfLife} blocks)`,
  );
  print(`  immunity           ${s.params.immunityPeriod} blocks`);
  print(`  validator stake    ${formatNoos(s.params.minValidatorStake)} at least`);
  print(`  models             ${s.params.restrictModels ? "allow-list only" : "any"}`);
  print("");
  if (s.neuronList.length === 0) {
    print(`no neurons yet: register one with 'noos register --netuid ${s.netuid} --key <keystore>'`);
    return;
  }
  const rows = s.neuronList.map((n) => [
    String(n.uid),
    n.hotkey,
    trimNoos(n.stake),
    n.validatorPermit ? "yes" : "no",
    n.axon ? `${n.axon.protocol}://${n.axon.host}:${n.axon.port}` : "-",
  ]);
  for (const line of table(["uid", "hotkey", "stake (NOOS)", "permit", "axon"], rows)) print(line);
}

async function createSubnet(opts: CreateOptions): Promise<void> {
  const params = {
    taskId: opts.task,
    tempo: parseSmallInteger(opts.tempo, "--tempo", { min: 1n, max: 2n ** 32n - 1n }),
    maxUids: parseSmallInteger(opts.maxUids, "--max-uids", { min: 1n, max: 256n }),
    maxValidators: parseSmallInteger(opts.maxValidators, "--max-validators", { min: 1n, max: 64n }),
    immunityPeriod: parseSmallInteger(opts.immunityPeriod, "--immunity-period", { max: 2n ** 32n - 1n }),
    minValidatorStake: parseNoos(opts.minValidatorStake, "--min-validator-stake", { allowZero: true }),
    minBurn: parseNoos(opts.minBurn, "--min-burn", { allowZero: true }),
    burnHalfLife: parseSmallInteger(opts.burnHalfLife, "--burn-half-life", { min: 1n, max: 2n ** 32n - 1n }),
    restrictModels: opts.restrictModels ?? false,
  };
  if (params.taskId.trim() === "") throw new UserError("--task must not be empty");
  await withChain(opts, async (chain) => {
    const owner = await openSigner(chain, opts);
    const registry = chain.subnets.connect(owner);
    const cost = await registry.lockCost();
    print(`creating a ${params.taskId} subnet: locks ${formatNoos(cost)}`);
    await requireBalance(chain, owner.address, cost, "creating a subnet locks");
    await preflight(() => registry.createSubnet.staticCall(params));
    await approveIfNeeded(chain, owner, await registry.getAddress(), cost, "SubnetRegistry");
    const receipt = await send(`create subnet (${params.taskId})`, () => registry.createSubnet(params));
    const netuid = Number(findEvent(receipt, registry, "SubnetCreated").getValue("netuid"));
    print(`created subnet ${netuid}: task ${params.taskId}, tempo ${params.tempo} blocks, owner ${owner.address}`);
  });
}
