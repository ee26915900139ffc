import { id, Interface } from "ethers";
import { Emission__factory, NoosToken__factory, Staking__factory, SubnetRegistry__factory } from "@noosphere/contracts";
import { decodeRevert, decodeRevertData, formatRevert, hintedErrorNames, knownErrorNames } from "./revert";

const staking = Staking__factory.createInterface();
const subnets = SubnetRegistry__factory.createInterface();
const token = NoosToken__factory.createInterface();
const E18 = 10n ** 18n;

describe("revert decoder", () => {
  it("decodes a custom error with its named arguments and a hint in NOOS", () => {
    const data = staking.encodeErrorResult("StakingBelowMinDelegation", [5n * 10n ** 16n, E18 / 10n]);
    const revert = decodeRevertData(data);
    expect(revert?.name).toBe("StakingBelowMinDelegation");
    expect(revert?.args).toEqual({ amount: 5n * 10n ** 16n, min: E18 / 10n });
    expect(revert?.hint).toMatch(/^delegate at least 0.1 NOOS/);
    expect(formatRevert(revert!)).toMatch(
      /StakingBelowMinDelegation\(amount: 50000000000000000, min: 100000000000000000\)/,
    );
  });

  it("decodes errors raised by another contract than the one called (the token inside a registration)", () => {
    const data = token.encodeErrorResult("ERC20InsufficientBalance", [
      "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
      E18,
      2n * E18,
    ]);
    const revert = decodeRevertData(data);
    expect(revert?.name).toBe("ERC20InsufficientBalance");
    expect(revert?.hint).toMatch(/holds 1 NOOS, 2 NOOS needed/);
  });

  it("names the role an AccessControl revert wants", () => {
    const data = subnets.encodeErrorResult("AccessControlUnauthorizedAccount", [
      "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
      id("PARAMS_ROLE"),
    ]);
    expect(decodeRevertData(data)?.hint).toMatch(/lacks PARAMS_ROLE/);
  });

  it("decodes Error(string) and Panic(uint256)", () => {
    const builtin = new Interface(["error Error(string)", "error Panic(uint256)"]);
    expect(formatRevert(decodeRevertData(builtin.encodeErrorResult("Error", ["nope"]))!)).toBe(
      "refused by the contract: nope",
    );
    expect(decodeRevertData(builtin.encodeErrorResult("Panic", [0x11]))?.hint).toMatch(/overflow/);
  });

  it("finds revert data nested in an RPC error and ignores errors without any", () => {
    const data = subnets.encodeErrorResult("SubnetsNotFound", [7]);
    const nested = { code: "UNKNOWN_ERROR", info: { error: { code: 3, message: "reverted", data } } };
    expect(decodeRevert(nested)?.hint).toMatch(/no subnet 7/);
    expect(decodeRevert(new Error("socket hang up"))).toBeUndefined();
    expect(decodeRevertData("0xdeadbeef")).toBeUndefined();
  });

  it("has hints only for errors the contracts declare (no typos), and one for every Noosphere error", () => {
    const known = knownErrorNames();
    const hinted = hintedErrorNames();
    expect(hinted.filter((name) => !known.has(name))).toEqual([]);
    const own: string[] = [];
    for (const iface of [staking, subnets, token, Emission__factory.createInterface()]) {
      iface.forEachError((e) => own.push(e.name));
    }
    const unhinted = own.filter((name) => /^(Staking|Subnets|Emission|NoosToken)/.test(name) && !hinted.includes(name));
    expect(unhinted).toEqual([]);
  });
});
