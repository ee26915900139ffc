import { parseAddress, parseInteger, parseNoos } from "./amounts";
import { formatNoos } from "./format";
import { UserError } from "../errors";

describe("parseNoos", () => {
  it("reads decimal NOOS amounts into wei", () => {
    expect(parseNoos("1", "--amount")).toBe(10n ** 18n);
    expect(parseNoos("1.5", "--amount")).toBe(15n * 10n ** 17n);
    expect(parseNoos(".25", "--amount")).toBe(25n * 10n ** 16n);
    expect(parseNoos("2.", "--amount")).toBe(2n * 10n ** 18n);
    expect(parseNoos("0.000000000000000001", "--amount")).toBe(1n);
    expect(parseNoos("0", "--min", { allowZero: true })).toBe(0n);
  });

  it.each([
    ["-1", /must not be negative/],
    ["abc", /NOOS amount such as 1.5/],
    ["1e18", /NOOS amount/],
    ["0x10", /NOOS amount/],
    ["1,5", /NOOS amount/],
    ["", /NOOS amount/],
    ["0.0000000000000000001", /more than 18 decimals/],
    ["0", /more than 0/],
  ])("refuses %j with a UserError naming the flag", (text, message) => {
    expect(() => parseNoos(text, "--amount")).toThrow(UserError);
    expect(() => parseNoos(text, "--amount")).toThrow(message);
    expect(() => parseNoos(text, "--amount")).toThrow(/--amount/);
  });

  it("round-trips with formatNoos", () => {
    for (const text of ["1", "0.1", "123.456", "0.000000000000000001"]) {
      expect(formatNoos(parseNoos(text, "--amount"))).toBe(`${text} NOOS`);
    }
  });
});

describe("parseInteger and parseAddress", () => {
  it("accepts whole numbers within bounds and refuses the rest", () => {
    expect(parseInteger("42", "--bps", { max: 100n })).toBe(42n);
    expect(() => parseInteger("4.2", "--bps")).toThrow(/whole number/);
    expect(() => parseInteger("-1", "--bps")).toThrow(/at least 0/);
    expect(() => parseInteger("101", "--bps", { max: 100n })).toThrow(/at most 100/);
  });

  it("checksums addresses and refuses malformed ones", () => {
    expect(parseAddress("0x90f79bf6eb2c4f870365e785982e1f101e93b906", "--hotkey")).toBe(
      "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    );
    expect(() => parseAddress("0x1234", "--hotkey")).toThrow(/--hotkey must be a 0x address/);
  });
});
