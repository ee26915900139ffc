import { hexlify, parseEther } from "ethers";
import type { HDNodeWallet } from "ethers";
import { silentLogger } from "@noosphere/node-kit";
import { recoverVoucherSigner, signVoucher, voucherDomain } from "@noosphere/protocol";
import type { Voucher } from "@noosphere/protocol";
import { createEcdsa } from "../auth/ecdsa";
import { startHardhatNode } from "@noosphere/testkit";
import type { HardhatNode } from "@noosphere/testkit";
import { PRICE, ROYALTY_BPS, allot, deployNetwork, deposit } from "../testing/network";
import type { TestNetwork } from "../testing/network";
import { registerNeuron } from "@noosphere/deploy";
import { ContractChainView, NotPricedError } from "./chain-view";
import { VoucherRedeemer } from "./redeemer";
import { VoucherBook } from "./voucher-book";
import { VoucherVerifier } from "./voucher-verifier";

jest.setTimeout(120_000);

const TIER = 1;
const MODEL = "0x" + "4d".repeat(32);

describe("miner and the billing contracts (spawned Hardhat node)", () => {
  let node: HardhatNode;
  let net: TestNetwork;
  let miner: HDNodeWallet;

  beforeAll(async () => {
    node = await startHardhatNode();
    net = await deployNetwork(node, { modelHash: MODEL });
    miner = net.accounts.miner;
    await registerNeuron(net.subnets, miner, net.netuid, miner.address);
    await (await net.staking.connect(miner).registerHotkey(net.accounts.spare[0]!.address)).wait();
  });

  afterAll(async () => {
    await node?.stop();
  });

  function voucher(client: string, cumulativeAmount: bigint, extra: Partial<Voucher> = {}): Voucher {
    return { client, miner: miner.address, netuid: net.netuid, tier: TIER, model: MODEL, cumulativeAmount, ...extra };
  }

  describe("vouchers: protocol and contract agree", () => {
    it("hashes and recovers a voucher as Billing does", async () => {
      const domain = voucherDomain(net.chainId, await net.billing.getAddress());
      const v = voucher(net.accounts.client.address, 12_345n);
      const signature = await signVoucher(net.accounts.client, domain, v);
      const verifier = new VoucherVerifier(domain, createEcdsa());
      expect(hexlify(verifier.digest(v))).toBe(await net.billing.hashVoucher(v));
      expect(await net.billing.recoverVoucherSigner(v, signature)).toBe(net.accounts.client.address);
      expect(recoverVoucherSigner(domain, v, signature)).toBe(net.accounts.client.address);
      expect(verifier.signedBy(v, signature, net.accounts.client.address)).toBe(true);
      expect(verifier.signedBy({ ...v, cumulativeAmount: 12_346n }, signature, net.accounts.client.address)).toBe(
        false,
      );
    });
  });

  describe("ContractChainView", () => {
    let now: number;
    let view: ContractChainView;
    beforeEach(() => {
      now = 1_000_000;
      view = new ContractChainView({
        subnets: net.subnets,
        billing: net.billing,
        netuid: net.netuid,
        tier: TIER,
        miner: miner.address,
        now: () => now,
      });
    });

    it("knows which hotkeys hold a validator permit, with one read of the subnet per period", async () => {
      expect(await view.isPermittedValidator(net.accounts.validator.address)).toBe(true);
      expect(await view.isPermittedValidator(miner.address)).toBe(false); // registered, no stake
      expect(await view.isPermittedValidator(net.accounts.stranger.address)).toBe(false); // not registered
      expect(view.reads).toBe(2);
      now += view.ttls.permitsMs;
      expect(await view.isPermittedValidator(net.accounts.stranger.address)).toBe(false);
      expect(view.reads).toBe(4);
    });

    it("re-reads permits before refusing, but at most once per recheck period", async () => {
      const hotkey = net.accounts.spare[1]!;
      expect(await view.isPermittedValidator(hotkey.address)).toBe(false);
      await registerNeuron(net.subnets, hotkey, net.netuid, hotkey.address);
      await (await net.staking.connect(hotkey).registerHotkey(hotkey.address)).wait();
      await (await net.token.connect(net.accounts.admin).mint(hotkey.address, parseEther("20"))).wait();
      await (await net.token.connect(hotkey).approve(await net.staking.getAddress(), parseEther("20"))).wait();
      await (await net.staking.connect(hotkey).delegate(hotkey.address, parseEther("20"), 0)).wait();
      expect(await view.isPermittedValidator(hotkey.address, { fresh: true })).toBe(false); // cache too young
      now += view.ttls.recheckMs;
      expect(await view.isPermittedValidator(hotkey.address)).toBe(false); // plain reads keep the TTL
      expect(await view.isPermittedValidator(hotkey.address, { fresh: true })).toBe(true);
    });

    it("counts its own allotment of a client's escrow, less the part thawing back", async () => {
      const client = net.accounts.spare[2]!;
      await deposit(net.token, net.billing, net.accounts.admin, client.address, parseEther("8"));
      expect(await view.allotmentOf(client.address)).toBe(0n); // free escrow is not this miner's
      await allot(net.billing, client, miner.address, parseEther("5"));
      await allot(net.billing, client, net.accounts.spare[3]!.address, parseEther("3")); // another miner's
      expect(await view.allotmentOf(client.address)).toBe(0n); // cached
      now += view.ttls.escrowMs;
      // Past its TTL the cached value is served once more while it is re-read (a paused chain stalls nothing).
      expect(await view.allotmentOf(client.address)).toBe(0n);
      await new Promise((r) => setTimeout(r, 200));
      expect(await view.allotmentOf(client.address)).toBe(parseEther("5"));
      await (await net.billing.connect(client).startUnallot(client.address, miner.address, parseEther("2"))).wait();
      expect(await view.allotmentOf(client.address, { fresh: true })).toBe(parseEther("5")); // too young to re-read
      expect(await view.redemptionDue(client.address, client.address)).toBe(false); // same
      now += view.ttls.recheckMs;
      expect(await view.allotmentOf(client.address, { fresh: true })).toBe(parseEther("3"));
      expect(await view.redemptionDue(client.address, client.address)).toBe(true); // thawing: redeem now
    });

    it("reads the price in NOOS and the per-call limits of its tier", async () => {
      expect(await view.pricePerRequest()).toBe(PRICE);
      expect(await view.limits()).toEqual({ maxInputTokens: 64, maxOutputTokens: 96 });
    });

    it("says when governance set no price", async () => {
      const unpriced = new ContractChainView({
        subnets: net.subnets,
        billing: net.billing,
        netuid: net.netuid + 1,
        tier: TIER,
        miner: miner.address,
      });
      await expect(unpriced.pricePerRequest()).rejects.toBeInstanceOf(NotPricedError);
    });

    it("sees active signers; a revoked one is not active, and makes its vouchers due at once", async () => {
      const { client, gateway, stranger } = net.accounts;
      expect(await view.isActiveSigner(client.address, gateway.address)).toBe(true);
      expect(await view.isActiveSigner(client.address, stranger.address)).toBe(false);
      const second = net.accounts.spare[4]!;
      await (await net.billing.connect(client).authorizeSigner(second.address)).wait();
      expect(await view.redemptionDue(client.address, second.address)).toBe(false);
      await (await net.billing.connect(client).revokeSigner(second.address)).wait();
      now += 61_000; // older than the stale window: re-read before answering
      expect(await view.isActiveSigner(client.address, second.address)).toBe(false); // its vouchers still redeem a while
      expect(await view.redemptionDue(client.address, second.address)).toBe(true);
    });
  });

  describe("VoucherRedeemer", () => {
    it("redeems each client's latest voucher with the exact amounts burned and minted, then claims", async () => {
      const { client, gateway, poorClient } = net.accounts;
      const domain = voucherDomain(net.chainId, await net.billing.getAddress());
      const book = new VoucherBook();
      const accept = async (signer: HDNodeWallet, v: Voucher) =>
        book.hold({ voucher: v, signature: await signVoucher(signer, domain, v) });
      // Three requests from client (the last voucher signed by its gateway), one from poorClient.
      await accept(client, voucher(client.address, PRICE));
      await accept(client, voucher(client.address, 2n * PRICE));
      await accept(gateway, voucher(client.address, 3n * PRICE));
      await accept(poorClient, voucher(poorClient.address, PRICE));

      const payout = net.accounts.spare[0]!.address; // the miner hotkey's owner in Staking
      const [escrowBefore, poorBefore, supplyBefore, payoutBefore, [burnedBefore, mintedBefore]] = await Promise.all([
        net.billing.allotmentOf(client.address, miner.address),
        net.billing.allotmentOf(poorClient.address, miner.address),
        net.token.totalSupply(),
        net.token.balanceOf(payout),
        net.billing.totals(),
      ]);
      const view = new ContractChainView({
        subnets: net.subnets,
        billing: net.billing,
        netuid: net.netuid,
        tier: TIER,
        miner: miner.address,
      });
      const redeemer = new VoucherRedeemer({
        billing: net.billing.connect(miner),
        book,
        chain: view,
        payout: async () => payout,
        logger: silentLogger(),
      });
      const report = await redeemer.redeem();

      const mintRatio = await net.billing.mintRatio();
      const treasuryBps = BigInt(await net.billing.treasuryBps());
      const split = (burned: bigint) => {
        const minted = (burned * mintRatio) / 10n ** 18n;
        const treasury = (minted * treasuryBps) / 10_000n;
        const royalty = (minted * BigInt(ROYALTY_BPS)) / 10_000n;
        return { burned, mintedMiner: minted - treasury - royalty, mintedRoyalty: royalty, mintedTreasury: treasury };
      };
      expect(report.failed).toEqual([]);
      expect(report.redeemed.map(({ txHash: _t, ...r }) => r)).toEqual([
        { client: client.address, cumulative: 3n * PRICE, ...split(3n * PRICE) },
        { client: poorClient.address, cumulative: PRICE, ...split(PRICE) },
      ]);
      const minerShare = split(3n * PRICE).mintedMiner + split(PRICE).mintedMiner;
      expect(report.claimed).toMatchObject({ amount: minerShare, to: payout });

      // On-chain: allotments fell by exactly what was owed, billing burned it all, minted the miner's share.
      expect((await net.billing.allotmentOf(client.address, miner.address))[0]).toBe(escrowBefore[0] - 3n * PRICE);
      expect((await net.billing.allotmentOf(poorClient.address, miner.address))[0]).toBe(poorBefore[0] - PRICE);
      expect(await net.billing.redeemed(client.address, miner.address, net.netuid, TIER)).toBe(3n * PRICE);
      expect(await net.token.balanceOf(payout)).toBe(payoutBefore + minerShare);
      const [burnedAfter, mintedAfter] = await net.billing.totals();
      expect(burnedAfter - burnedBefore).toBe(4n * PRICE);
      expect(mintedAfter - mintedBefore).toBe(minerShare);
      expect(await net.token.totalSupply()).toBe(supplyBefore - 4n * PRICE + minerShare);
      const [, , royaltyAccrued] = await net.billing.royaltyInfo(MODEL);
      expect(royaltyAccrued).toBe(split(3n * PRICE).mintedRoyalty + split(PRICE).mintedRoyalty);

      // Nothing left to redeem; the view knows what was redeemed without a read.
      expect(book.unredeemed()).toEqual([]);
      const reads = view.reads;
      expect(await view.redeemedFrom(client.address)).toBe(3n * PRICE);
      expect(view.reads).toBe(reads);
      expect((await redeemer.redeem()).redeemed).toEqual([]);
    });

    it("keeps a voucher whose allotment is empty, and redeems it after a top-up", async () => {
      const broke = net.accounts.spare[3]!;
      const domain = voucherDomain(net.chainId, await net.billing.getAddress());
      const book = new VoucherBook();
      const v = voucher(broke.address, PRICE);
      book.hold({ voucher: v, signature: await signVoucher(broke, domain, v) });
      const redeemer = new VoucherRedeemer({
        billing: net.billing.connect(miner),
        book,
        payout: async () => miner.address,
        logger: silentLogger(),
      });
      const first = await redeemer.redeem();
      expect(first.failed).toEqual([{ client: broke.address, reason: "BillingAllotmentEmpty", dropped: false }]);
      expect(book.outstanding(broke.address)).toBe(PRICE);
      await deposit(net.token, net.billing, net.accounts.admin, broke.address, PRICE);
      await allot(net.billing, broke, miner.address, PRICE);
      const second = await redeemer.redeem();
      expect(second.redeemed.map((r) => r.burned)).toEqual([PRICE]);
      expect(book.outstanding(broke.address)).toBe(0n);
    });

    it("gives up on a voucher the contract will never take, and catches up with one already redeemed", async () => {
      const { client, stranger } = net.accounts;
      const domain = voucherDomain(net.chainId, await net.billing.getAddress());
      const book = new VoucherBook();
      const forged = voucher(net.accounts.poorClient.address, 5n * PRICE);
      book.hold({ voucher: forged, signature: await signVoucher(stranger, domain, forged) });
      const stale = voucher(client.address, 2n * PRICE); // the chain already has 3 x PRICE redeemed
      book.hold({ voucher: stale, signature: await signVoucher(client, domain, stale) });
      const redeemer = new VoucherRedeemer({
        billing: net.billing.connect(miner),
        book,
        payout: async () => miner.address,
        logger: silentLogger(),
      });
      const report = await redeemer.redeem();
      expect(report.redeemed).toEqual([]);
      expect(report.failed).toEqual([
        { client: net.accounts.poorClient.address, reason: "BillingInvalidSigner", dropped: true },
      ]);
      expect(book.unredeemed()).toEqual([]);
      expect(book.redeemedOf(client.address)).toBe(3n * PRICE);
    });

    it("redeems what answered work earned when the voucher also covered a request that failed", async () => {
      const payer = net.accounts.spare[4]!;
      const domain = voucherDomain(net.chainId, await net.billing.getAddress());
      await deposit(net.token, net.billing, net.accounts.admin, payer.address, 5n * PRICE);
      await allot(net.billing, payer, miner.address, 5n * PRICE);
      const book = new VoucherBook();
      const signed = async (n: bigint) => {
        const v = voucher(payer.address, n * PRICE);
        return { voucher: v, signature: await signVoucher(payer, domain, v) };
      };
      const failed = book.admit(await signed(1n), PRICE);
      const answered = book.admit(await signed(2n), PRICE); // signed while the first was in flight
      failed.release();
      answered.answered();
      const redeemer = new VoucherRedeemer({
        billing: net.billing.connect(miner),
        book,
        payout: async () => miner.address,
        logger: silentLogger(),
      });
      const report = await redeemer.redeem();
      expect(report.redeemed.map((r) => [r.cumulative, r.burned])).toEqual([[PRICE, PRICE]]);
      expect(await net.billing.redeemed(payer.address, miner.address, net.netuid, TIER)).toBe(PRICE);
      expect((await net.billing.allotmentOf(payer.address, miner.address))[0]).toBe(4n * PRICE);
    });

    it("never runs two redemptions at once", async () => {
      const book = new VoucherBook();
      const redeemer = new VoucherRedeemer({
        billing: net.billing.connect(miner),
        book,
        payout: async () => miner.address,
        logger: silentLogger(),
      });
      const domain = voucherDomain(net.chainId, await net.billing.getAddress());
      const client = net.accounts.client;
      const v = voucher(client.address, 4n * PRICE);
      book.hold({ voucher: v, signature: await signVoucher(client, domain, v) });
      const [a, b] = await Promise.all([redeemer.redeem(), redeemer.redeem()]);
      expect(a.redeemed.length + b.redeemed.length).toBe(1);
      expect(a.failed.concat(b.failed)).toEqual([]);
    });
  });
});
