/** Shared fixture and helpers of the billing tests (deployed with the same helpers as the real deploy). */
import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ZeroHash } from "ethers";
import { deployBilling, deployModelRegistry } from "@noosphere/deploy";
import { signVoucher, voucherDomain, type Voucher } from "@noosphere/protocol";
import { deployNoos } from "../shared/noos";

export const NOOS = 10n ** 18n;
/** What the fixture's client allots to its miner. */
export const ALLOTTED = 100n * NOOS;
export const THAW = 3_600n;
export const REVOKE_DELAY = 600n;
export const MODEL = ethers.sha256(ethers.toUtf8Bytes("model-a.onnx"));
export const MODEL_ROYALTY_BPS = 1_000n;
export const UNREGISTERED_MODEL = ethers.sha256(ethers.toUtf8Bytes("nobody-registered-this.onnx"));

export async function billingFixture() {
  const signers = await ethers.getSigners();
  const [admin, client, client2, miner, miner2, gateway, gateway2, modelOwner, treasury, stranger] = signers as [
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
  ];
  const token = await deployNoos(admin);
  const models = await deployModelRegistry(admin, { maxRoyaltyBps: 1_500 });
  const billing = await deployBilling(admin, {
    token: await token.getAddress(),
    models: await models.getAddress(),
    treasury: treasury.address,
    thawPeriod: THAW,
    signerRevokeDelay: REVOKE_DELAY,
  });
  const billingAddress = await billing.getAddress();
  const { chainId } = await ethers.provider.getNetwork();
  const domain = voucherDomain(chainId, billingAddress);
  await (await models.connect(modelOwner).register(MODEL, "ipfs://model-a", "Apache-2.0", MODEL_ROYALTY_BPS)).wait();
  for (const c of [client, client2]) {
    await (await token.mint(c.address, 10_000n * NOOS)).wait();
    await (await token.connect(c).approve(billingAddress, ethers.MaxUint256)).wait();
  }
  // 100 NOOS allotted to `miner` (all it may redeem from `client`), 100 NOOS free.
  await (await billing.connect(client).deposit(200n * NOOS)).wait();
  await (await billing.connect(client).allot(client.address, miner.address, ALLOTTED)).wait();

  /** A voucher from `client` to `miner` on netuid 1, standard tier, model MODEL, unless overridden. */
  const voucher = (overrides: Partial<Voucher> = {}): Voucher => ({
    client: client.address,
    miner: miner.address,
    netuid: 1,
    tier: 0,
    model: MODEL,
    cumulativeAmount: NOOS,
    ...overrides,
  });
  const sign = (v: Voucher, by: HardhatEthersSigner = client, d = domain) => signVoucher(by, d, v);

  return {
    admin,
    client,
    client2,
    miner,
    miner2,
    gateway,
    gateway2,
    modelOwner,
    treasury,
    stranger,
    token,
    models,
    billing,
    billingAddress,
    domain,
    chainId,
    voucher,
    sign,
  };
}

export type BillingFixture = Awaited<ReturnType<typeof billingFixture>>;

/** How Billing shares the mint of `paid` (defaults: mint ratio 0.975, treasury 10%). */
export function expectedSplit(
  paid: bigint,
  royaltyBps: bigint,
  mintRatio = 975n * 10n ** 15n,
  treasuryBps = 1_000n,
): { minted: bigint; miner: bigint; royalty: bigint; treasury: bigint } {
  const minted = (paid * mintRatio) / NOOS;
  const treasury = (minted * treasuryBps) / 10_000n;
  const cap = 10_000n - treasuryBps;
  const royalty = (minted * (royaltyBps < cap ? royaltyBps : cap)) / 10_000n;
  return { minted, miner: minted - treasury - royalty, royalty, treasury };
}

export const NO_MODEL = ZeroHash;

/** The week number (block.timestamp / 1 weeks) Billing put in the events of the mined `tx`. */
export async function weekOf(tx: { wait(): Promise<{ blockNumber: number } | null> }): Promise<bigint> {
  const receipt = await tx.wait();
  const block = await ethers.provider.getBlock(receipt!.blockNumber);
  return BigInt(block!.timestamp) / 604_800n;
}
