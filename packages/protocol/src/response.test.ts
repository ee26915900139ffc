import { Wallet } from "ethers";
import { outputHash, recoverResponseSigner, signResponse, wireDomain } from "./index";

describe("signed responses", () => {
  const domain = wireDomain(31337, "0x0000000000000000000000000000000000000a11");
  const miner = Wallet.createRandom();

  it("recovers the miner from its signature and detects a changed output", async () => {
    const response = { requestHash: outputHash("req"), outputHash: outputHash('{"text":"hi"}'), owed: 10n ** 15n };
    const signature = await signResponse(miner, domain, response);
    expect(recoverResponseSigner(domain, response, signature)).toBe(miner.address);
    const forged = { ...response, outputHash: outputHash('{"text":"bye"}') };
    expect(recoverResponseSigner(domain, forged, signature)).not.toBe(miner.address);
  });
});
