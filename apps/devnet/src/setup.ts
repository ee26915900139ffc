import { MaxUint256, parseEther } from "ethers";
import type { JsonRpcProvider, Wallet } from "ethers";
import { Billing__factory, NoosToken__factory, Staking__factory, SubnetRegistry__factory } from "@noosphere/contracts";
import type { Deployment } from "@noosphere/contracts";
import { subnetParams } from "@noosphere/deploy";
import { DEVNET_AMOUNTS, DEVNET_SUBNETS } from "./genesis";
import type { DevnetAccounts, NeuronKeys } from "./keys";

export interface SetupOptions {
  /** Blocks per epoch of both subnets. */
  tempo: number;
  log: (message: string) => void;
}

/** Highest registration burn a devnet registration accepts (the price starts at 1 NOOS, x1.26 each). */
const MAX_BURN = parseEther("20");
/** A validator permit needs this much stake, so that miners (10 NOOS) hold none. */
const MIN_VALIDATOR_STAKE = parseEther("100");

interface Tx {
  wait(): Promise<unknown>;
}

/**
 * Puts the network in place on a deployed chain: the two subnets, every validator registered on
 * both and every miner on its own (hotkeys owned by their coldkeys in Staking), stakes, the
 * client's escrow and the gateway's signer authorisation. Each account sends its own transactions
 * in order while accounts proceed side by side; whatever is already done is skipped, so setup
 * may run again on a devnet chain that has it.
 */
export async function setUpNetwork(
  provider: JsonRpcProvider,
  deployment: Deployment,
  accounts: DevnetAccounts,
  opts: SetupOptions,
): Promise<void> {
  const c = deployment.contracts;
  const as = (w: Wallet) => {
    const signer = w.connect(provider);
    return {
      token: NoosToken__factory.connect(c.token, signer),
      staking: Staking__factory.connect(c.staking, signer),
      subnets: SubnetRegistry__factory.connect(c.subnets, signer),
      billing: Billing__factory.connect(c.billing, signer),
    };
  };
  const send = async (tx: Promise<Tx>) => {
    await (await tx).wait();
  };
  const read = as(accounts.deployer);

  // 1. Subnets (netuids in DEVNET_SUBNETS order) and hotkey ownership, side by side.
  const owner = as(accounts.subnetOwner);
  const createSubnets = async () => {
    const existing = Number(await read.subnets.subnetCount());
    const missing = DEVNET_SUBNETS.filter((s) => s.netuid > existing);
    if (missing.length === 0) return;
    await send(owner.token.approve(c.subnets, (await read.subnets.lockCost()) * BigInt(missing.length)));
    for (const s of missing) {
      const params = subnetParams({ taskId: s.taskId, tempo: opts.tempo, minValidatorStake: MIN_VALIDATOR_STAKE });
      await send(owner.subnets.createSubnet(params));
    }
    opts.log(
      `created subnets ${DEVNET_SUBNETS.map((s) => `${s.netuid} (${s.taskId})`).join(", ")}, tempo ${opts.tempo} blocks`,
    );
  };
  const neurons: (NeuronKeys & { netuids: number[]; stake: bigint })[] = [
    ...accounts.validators.map((v) => ({
      ...v,
      netuids: DEVNET_SUBNETS.map((s) => s.netuid),
      stake: DEVNET_AMOUNTS.validatorStake,
    })),
    ...accounts.miners.map((m) => ({ ...m, netuids: [m.netuid], stake: DEVNET_AMOUNTS.minerStake })),
  ];
  const ownHotkey = async (n: NeuronKeys) => {
    if ((await read.staking.ownerOf(n.hotkey.address)) !== n.coldkey.address) {
      await send(as(n.hotkey).staking.registerHotkey(n.coldkey.address));
    }
  };
  const approveColdkey = async (n: NeuronKeys) => {
    const cold = as(n.coldkey);
    await send(cold.token.approve(c.subnets, MaxUint256));
    await send(cold.token.approve(c.staking, MaxUint256));
  };
  // The deployer's genesis NOOS count as DAO votes once delegated (to itself).
  const delegateVotes = async () => {
    const deployer = as(accounts.deployer);
    if ((await read.token.delegates(accounts.deployer.address)) !== accounts.deployer.address) {
      await send(deployer.token.delegate(accounts.deployer.address));
    }
  };
  await Promise.all([
    createSubnets(),
    delegateVotes(),
    ...neurons.map(async (n) => (await ownHotkey(n), await approveColdkey(n))),
  ]);

  // 2. Registrations and stakes (one coldkey's transactions in order), and the client's escrow.
  const registerAndStake = async (n: (typeof neurons)[number]) => {
    const cold = as(n.coldkey);
    for (const netuid of n.netuids) {
      if (!(await read.subnets.isRegistered(netuid, n.hotkey.address))) {
        await send(cold.subnets.register(netuid, n.hotkey.address, MAX_BURN));
      }
    }
    if ((await read.staking.sharesOf(n.hotkey.address, n.coldkey.address)) === 0n) {
      await send(cold.staking.delegate(n.hotkey.address, n.stake, 0));
    }
  };
  const fundEscrow = async () => {
    const client = as(accounts.client);
    const [balance] = await read.billing.escrowOf(accounts.client.address);
    if (balance < DEVNET_AMOUNTS.escrow) {
      await send(client.token.approve(c.billing, DEVNET_AMOUNTS.escrow - balance));
      await send(client.billing.deposit(DEVNET_AMOUNTS.escrow - balance));
    }
    if (!(await read.billing.isAuthorizedSigner(accounts.client.address, accounts.gatewaySigner.address))) {
      await send(client.billing.authorizeSigner(accounts.gatewaySigner.address));
    }
  };
  // Registrations on one subnet raise its price for the next: register validators first so the
  // UIDs come out the same every run (validators 0..v-1, then miners).
  const validators = neurons.slice(0, accounts.validators.length);
  const miners = neurons.slice(accounts.validators.length);
  for (const n of validators) await registerAndStake(n);
  await Promise.all([
    fundEscrow(),
    ...DEVNET_SUBNETS.map(async ({ netuid }) => {
      for (const n of miners.filter((m) => m.netuids[0] === netuid)) await registerAndStake(n);
    }),
  ]);
  opts.log(
    `registered ${plural(accounts.validators.length, "validator")} (both subnets, ${fmt(DEVNET_AMOUNTS.validatorStake)} NOOS staked each) ` +
      `and ${plural(accounts.miners.length, "miner")}; client escrow ${fmt(DEVNET_AMOUNTS.escrow)} NOOS, gateway signer authorised`,
  );
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function fmt(amount: bigint): string {
  return (amount / 10n ** 18n).toLocaleString("en-US");
}
