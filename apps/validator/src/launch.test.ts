import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ValidatorConfigError } from "./errors";
import { parseRoles, resolveValidatorSettings } from "./launch";

describe("validator settings", () => {
  it("takes flags over NOOS_ environment over the config file over defaults", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "noos-val-")), "v.json");
    fs.writeFileSync(file, JSON.stringify({ probeInterval: 7000, probeTimeout: 3000, redis: "redis://file:6379" }));
    const s = resolveValidatorSettings({ netuid: 3, key: "k.json", probeInterval: 5000 }, file, {
      NOOS_PROBE_TIMEOUT: "2500",
      NOOS_KEEPER: "true",
    });
    expect(s).toMatchObject({
      netuid: 3,
      key: "k.json",
      probeInterval: 5000, // flag
      probeTimeout: 2500, // environment
      redis: "redis://file:6379", // file
      keeper: true,
      roles: "schedule,probe,score,weights", // default
    });
  });

  it("says what is missing or wrong", () => {
    const env = {};
    expect(() => resolveValidatorSettings({ key: "k.json" }, undefined, env)).toThrow(/--netuid <n> is required/);
    expect(() => resolveValidatorSettings({ netuid: 1 }, undefined, env)).toThrow(/--key <keystore> is required/);
    expect(() => resolveValidatorSettings({ netuid: 1, key: "k", probeTimeout: 0 }, undefined, env)).toThrow(
      /--probe-timeout takes a positive whole number/,
    );
    expect(() => resolveValidatorSettings({ netuid: 1, key: "k", emaAlpha: 2 }, undefined, env)).toThrow(/--ema-alpha/);
    expect(() => parseRoles("probe,dance")).toThrow(ValidatorConfigError);
    expect(parseRoles("probe, score")).toEqual(["probe", "score"]);
  });

  it("`noos validator start` without Redis exits 2 and says Redis is needed", () => {
    const root = path.resolve(__dirname, "..", "..", "..");
    const out = spawnSync(
      process.execPath,
      [
        path.join(root, "apps/cli/bin/noos.js"),
        "validator",
        "start",
        "--netuid",
        "1",
        "--key",
        "none.json",
        "--redis",
        "redis://127.0.0.1:1",
      ],
      { cwd: root, encoding: "utf8", timeout: 30_000 },
    );
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(
      /the validator needs Redis and cannot reach it at redis:\/\/127\.0\.0\.1:1.*ECONNREFUSED.*--redis <url>/,
    );
  });
});
