/**
 * The miner's world on a test kit Hardhat node: token, staking, subnets, model registry and billing
 * (deployed with the project's deploy code), one text-generation subnet with a price and limits, a
 * staked validator with a permit, and clients with escrow allotted to the test miner.
 */
import { parseEther } from "ethers";
import type { HDNodeWallet, Signer } from "ethers";
import type { Billing, Deployment, ModelRegistry, NoosToken, Staking, SubnetRegistry } from "@noosphere/contracts";
import { createSubnet, registerNeuron, subnetParams } from "@noosphere/deploy";
import { deployTestContracts } from "@noosphere/testkit";
import type { HardhatNode } from "@noosphere/testkit";

/** USD micro-units per NOOS: $0.25. */
export const RATE = 250_000n;
/** USD micro-units per request on the batch (CPU) tier: $0.001, i.e. 0.004 NOOS. */
export const BATCH_PRICE_USD_MICROS = 1_000n;
export const PRICE = (BATCH_PRICE_USD_MICROS * 10n ** 18n) / RATE;
export const LIMITS = { maxInputTokens: 64, maxOutputTokens: 96 };
export const ROYALTY_BPS = 500;
export const MIN_VALIDATOR_STAKE = parseEther("10");

export interface TestNetwork {
  chainId: number;
  deployment: Deployment;
  netuid: number;
  token: NoosToken;
  staking: Staking;
  subnets: SubnetRegistry;
  billing: Billing;
  models: ModelRegistry;
  accounts: {
    admin: HDNodeWallet;
    miner: HDNodeWallet;
    validator: HDNodeWallet;
    validatorOwner: HDNodeWallet;
    client: HDNodeWallet;
    gateway: HDNodeWallet;
    poorClient: HDNodeWallet;
    stranger: HDNodeWallet;
    modelOwner: HDNodeWallet;
    spare: HDNodeWallet[];
  };
}

export interface DeployNetworkOptions {
  /** Registers this model hash in the model registry (owner: modelOwner, ROYALTY_BPS). */
  modelHash?: string;
  /** Subnet restricted to an allow-list holding only these model hashes. */
  allowedModels?: string[];
  /** Escrow of `client` (default 50 NOOS) and of `poorClient` (default one price). */
  clientEscrow?: bigint;
  poorEscrow?: bigint;
}

export async function deployNetwork(node: HardhatNode, opts: DeployNetworkOptions = {}): Promise<TestNetwork> {
  const [admin, miner, validator, validatorOwner, client, gateway, poorClient, stranger, modelOwner, ...spare] =
    Array.from({ length: 14 }, (_, i) => node.account(i)) as [
      HDNodeWallet,
      HDNodeWallet,
      HDNodeWallet,
      HDNodeWallet,
      HDNodeWallet,
      HDNodeWallet,
      HDNodeWallet,
      HDNodeWallet,
      HDNodeWallet,
      ...HDNodeWallet[],
    ];
  const { token, staking, subnets, models, billing, deployment } = await deployTestContracts(admin, { billing: true });

  const restricted = (opts.allowedModels?.length ?? 0) > 0;
  const netuid = await createSubnet(
    subnets,
    admin,
    subnetParams({
      taskId: "text-generation",
      minValidatorStake: MIN_VALIDATOR_STAKE,
      restrictModels: restricted,
      tempo: 100,
    }),
  );
  for (const hash of opts.allowedModels ?? []) await wait(subnets.setModelAllowed(netuid, hash, true));
  await wait(billing.setRate(RATE));
  await wait(billing.setPrice(netuid, 1, BATCH_PRICE_USD_MICROS));
  await wait(billing.setPrice(netuid, 0, BATCH_PRICE_USD_MICROS * 4n));
  await wait(billing.setLimits(netuid, 1, LIMITS.maxInputTokens, LIMITS.maxOutputTokens));
  if (opts.modelHash) {
    await wait(
      models
        .connect(modelOwner)
        .register(opts.modelHash, "npm:@noosphere/inference/models/noos-tiny", "MIT", ROYALTY_BPS),
    );
  }

  const mint = (to: string, amount: bigint) => wait(token.mint(to, amount));
  await mint(miner.address, parseEther("10"));
  await mint(validator.address, parseEther("10"));
  await mint(validatorOwner.address, parseEther("200"));
  for (const m of spare) await mint(m.address, parseEther("10"));

  // A validator: hotkey owned by validatorOwner, 100 NOOS delegated, registered on the subnet.
  await wait(staking.connect(validator).registerHotkey(validatorOwner.address));
  await wait(token.connect(validatorOwner).approve(await staking.getAddress(), parseEther("100")));
  await wait(staking.connect(validatorOwner).delegate(validator.address, parseEther("100"), 0));
  await registerNeuron(subnets, validator, netuid, validator.address);

  // Clients: one with a gateway key authorised to sign for it, one with barely any escrow; each allots
  // its whole escrow to `miner` (the only miner that may redeem from it), but 10 NOOS of client's stay free.
  const clientEscrow = opts.clientEscrow ?? parseEther("50");
  await deposit(token, billing, admin, client.address, clientEscrow + parseEther("10"));
  await allot(billing, client, miner.address, clientEscrow);
  await wait(billing.connect(client).authorizeSigner(gateway.address));
  await deposit(token, billing, admin, poorClient.address, opts.poorEscrow ?? PRICE);
  await allot(billing, poorClient, miner.address, opts.poorEscrow ?? PRICE);

  const chainId = node.chainId;
  return {
    chainId,
    deployment,
    netuid,
    token,
    staking,
    subnets,
    billing,
    models,
    accounts: { admin, miner, validator, validatorOwner, client, gateway, poorClient, stranger, modelOwner, spare },
  };
}

/** Mints `amount` to `client` and deposits it into its escrow (minted to the admin, deposited for the client). */
export async function deposit(
  token: NoosToken,
  billing: Billing,
  admin: Signer,
  client: string,
  amount: bigint,
): Promise<void> {
  await wait(token.connect(admin).mint(await admin.getAddress(), amount));
  await wait(token.connect(admin).approve(await billing.getAddress(), amount));
  await wait(billing.connect(admin).depositFor(client, amount));
}

/** `client` (or its signer) allots `amount` of its free escrow to `miner`. */
export async function allot(
  billing: Billing,
  client: Signer,
  miner: string,
  amount: bigint,
  of?: string,
): Promise<void> {
  await wait(billing.connect(client).allot(of ?? (await client.getAddress()), miner, amount));
}

async function wait(tx: Promise<{ wait(): Promise<unknown> }>): Promise<void> {
  await (await tx).wait();
}
