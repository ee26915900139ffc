/** Named parameter changes (`set-price`, `set-rate`, ...) and the governor calls they become. */
import { Interface, isAddress, isHexString, parseUnits } from "ethers";
import { Billing__factory, IEmission__factory } from "@noosphere/contracts";
import { TIERS, type TierName } from "@noosphere/protocol";
import { need } from "./addresses";
import type { DaoAddresses } from "./addresses";
import { DaoError } from "./errors";

/** A named parameter change (or raw call) a proposal can carry. */
export type DaoAction =
  | { kind: "set-price"; netuid: number; tier: TierName | number; usd: string }
  | { kind: "set-limits"; netuid: number; tier: TierName | number; maxInput: number; maxOutput: number }
  | { kind: "set-rate"; usdPerNoos: string }
  | { kind: "set-emission-share"; netuid: number; bps: number }
  | { kind: "allow-model"; netuid: number; model: string; allowed: boolean }
  | { kind: "raw"; target: string; calldata: string; value?: bigint };

/** One call of a proposal, with a human summary. */
export interface ProposalCall {
  target: string;
  value: bigint;
  calldata: string;
  summary: string;
}

/** The SubnetRegistry call `allow-model` makes (ISubnets has only the read side). */
const SUBNETS_ADMIN = new Interface(["function setModelAllowed(uint16 netuid, bytes32 modelHash, bool allowed)"]);

/** Converts a decimal USD amount ("0.00075") to USD micro-units (750n); at most 6 decimals. */
export function usdToMicros(usd: string): bigint {
  if (!/^\d+(\.\d+)?$/.test(usd.trim())) {
    throw new DaoError("BAD_ACTION", `"${usd}" is not a USD amount`, "write it as a plain decimal, e.g. 0.00075");
  }
  const [, decimals = ""] = usd.trim().split(".");
  if (decimals.length > 6) {
    throw new DaoError("BAD_ACTION", `"${usd}" has more than 6 decimals`, "prices are in USD micro-units (1e-6 USD)");
  }
  const micros = parseUnits(usd.trim(), 6);
  if (micros >= 2n ** 64n)
    throw new DaoError("BAD_ACTION", `"${usd}" is too large`, "use at most 18,446,744,073,709 USD");
  return micros;
}

/** Turns `action` into the call a proposal makes. */
export function buildCall(action: DaoAction, addresses: DaoAddresses): ProposalCall {
  switch (action.kind) {
    case "set-price": {
      const tier = tierOf(action.tier);
      const micros = usdToMicros(action.usd);
      if (micros === 0n) throw new DaoError("BAD_ACTION", "a zero price un-prices the tier", "give a price above 0");
      return {
        target: need(addresses, "billing"),
        value: 0n,
        calldata: Billing__factory.createInterface().encodeFunctionData("setPrice", [u16(action.netuid), tier, micros]),
        summary: `Billing.setPrice(netuid ${action.netuid}, tier ${tierName(tier)}, $${action.usd} per request)`,
      };
    }
    case "set-limits": {
      const tier = tierOf(action.tier);
      for (const n of [action.maxInput, action.maxOutput]) {
        if (!Number.isInteger(n) || n <= 0 || n >= 2 ** 32) {
          throw new DaoError("BAD_ACTION", `token limit ${n} is out of range`, "give whole numbers from 1 to 2^32-1");
        }
      }
      return {
        target: need(addresses, "billing"),
        value: 0n,
        calldata: Billing__factory.createInterface().encodeFunctionData("setLimits", [
          u16(action.netuid),
          tier,
          action.maxInput,
          action.maxOutput,
        ]),
        summary: `Billing.setLimits(netuid ${action.netuid}, tier ${tierName(tier)}, ${action.maxInput} in, ${action.maxOutput} out)`,
      };
    }
    case "set-rate": {
      const micros = usdToMicros(action.usdPerNoos);
      if (micros === 0n) throw new DaoError("BAD_ACTION", "the NOOS/USD rate cannot be 0", "give a rate above 0");
      return {
        target: need(addresses, "billing"),
        value: 0n,
        calldata: Billing__factory.createInterface().encodeFunctionData("setRate", [micros]),
        summary: `Billing.setRate($${action.usdPerNoos} per NOOS)`,
      };
    }
    case "set-emission-share": {
      if (!Number.isInteger(action.bps) || action.bps < 0 || action.bps > 10_000) {
        throw new DaoError("BAD_ACTION", `emission share ${action.bps} bps is out of range`, "give 0 to 10000 bps");
      }
      return {
        target: need(addresses, "emission"),
        value: 0n,
        calldata: IEmission__factory.createInterface().encodeFunctionData("setEmissionShare", [
          u16(action.netuid),
          action.bps,
        ]),
        summary: `Emission.setEmissionShare(netuid ${action.netuid}, ${action.bps} bps)`,
      };
    }
    case "allow-model": {
      if (!isHexString(action.model, 32)) {
        throw new DaoError("BAD_ACTION", `model "${action.model}" is not a sha256`, "give 0x and 64 hex digits");
      }
      return {
        target: need(addresses, "subnets"),
        value: 0n,
        calldata: SUBNETS_ADMIN.encodeFunctionData("setModelAllowed", [
          u16(action.netuid),
          action.model,
          action.allowed,
        ]),
        summary: `SubnetRegistry.setModelAllowed(netuid ${action.netuid}, ${action.model}, ${action.allowed})`,
      };
    }
    case "raw": {
      if (!isAddress(action.target)) {
        throw new DaoError("BAD_ACTION", `target "${action.target}" is not an address`, "give a 0x address");
      }
      if (!isHexString(action.calldata)) {
        throw new DaoError("BAD_ACTION", "calldata is not hex", "give 0x-prefixed ABI-encoded calldata");
      }
      return {
        target: action.target,
        value: action.value ?? 0n,
        calldata: action.calldata,
        summary: `call ${action.target} with ${action.calldata.slice(0, 10)}…`,
      };
    }
  }
}

function tierOf(tier: TierName | number): number {
  if (typeof tier === "number") {
    if (tier === 0 || tier === 1) return tier;
    throw new DaoError("BAD_ACTION", `tier ${tier} does not exist`, "use standard (0) or batch (1)");
  }
  return TIERS[tier];
}

function tierName(tier: number): string {
  return tier === TIERS.standard ? "standard" : "batch";
}

function u16(netuid: number): number {
  if (!Number.isInteger(netuid) || netuid < 0 || netuid > 65_535) {
    throw new DaoError("BAD_ACTION", `netuid ${netuid} is out of range`, "give 0 to 65535");
  }
  return netuid;
}
