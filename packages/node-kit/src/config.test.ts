import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError, resolveConfig } from "./config";

describe("resolveConfig", () => {
  const defaults = { port: 8080, rpcUrl: "http://127.0.0.1:8545", verbose: false };
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "noos-config-")), "c.json");
  fs.writeFileSync(file, JSON.stringify({ port: 9000, rpcUrl: "http://file:8545", verbose: true }));

  it("takes flags over env over file over defaults, converting types", () => {
    expect(resolveConfig(defaults, {})).toEqual(defaults);
    expect(resolveConfig(defaults, { file })).toEqual({ port: 9000, rpcUrl: "http://file:8545", verbose: true });
    const env = { NOOS_PORT: "9100", NOOS_RPC_URL: "http://env:8545" };
    expect(resolveConfig(defaults, { file, env })).toEqual({ port: 9100, rpcUrl: "http://env:8545", verbose: true });
    expect(resolveConfig(defaults, { file, env, flags: { port: "9200", verbose: "no" } })).toEqual({
      port: 9200,
      rpcUrl: "http://env:8545",
      verbose: false,
    });
  });

  it("says which setting is wrong", () => {
    expect(() => resolveConfig(defaults, { env: { NOOS_PORT: "eighty" } })).toThrow(/port must be a number/);
    expect(() => resolveConfig(defaults, { file: "/nonexistent.json" })).toThrow(ConfigError);
  });
});
