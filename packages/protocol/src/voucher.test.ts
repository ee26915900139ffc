import { Wallet } from "ethers";
import { decodeVoucherHeader, encodeVoucherHeader, recoverVoucherSigner, signVoucher, voucherDomain } from "./index";

describe("vouchers", () => {
  const client = Wallet.createRandom();
  const voucher = {
    client: client.address,
    miner: Wallet.createRandom().address,
    netuid: 1,
    tier: 0,
    model: "0x" + "ab".repeat(32),
    cumulativeAmount: 123n,
  };
  const domain = voucherDomain(31337, "0x0000000000000000000000000000000000000b11");

  it("travels in a header and recovers its signer", async () => {
    const sig = await signVoucher(client, domain, voucher);
    const decoded = decodeVoucherHeader(encodeVoucherHeader(voucher, sig));
    expect(decoded.voucher).toEqual(voucher);
    expect(recoverVoucherSigner(domain, decoded.voucher, decoded.signature)).toBe(client.address);
  });

  it("is bound to its chain and contract, and to its amount", async () => {
    const sig = await signVoucher(client, domain, voucher);
    const elsewhere = voucherDomain(1, "0x0000000000000000000000000000000000000b11");
    expect(recoverVoucherSigner(elsewhere, voucher, sig)).not.toBe(client.address);
    expect(recoverVoucherSigner(domain, { ...voucher, cumulativeAmount: 124n }, sig)).not.toBe(client.address);
    expect(recoverVoucherSigner(domain, { ...voucher, model: "0x" + "cd".repeat(32) }, sig)).not.toBe(client.address);
  });

  it("refuses a malformed header", () => {
    expect(() => decodeVoucherHeader(Buffer.from('{"client":1}').toString("base64url"))).toThrow(/malformed/);
  });
});
