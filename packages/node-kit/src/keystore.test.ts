import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Wallet } from "ethers";
import { KeystoreError, loadKeystore, saveKeystore } from "./keystore";

describe("keystore", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "noos-keys-"));

  it("round-trips a wallet through an encrypted file readable only by its owner", async () => {
    const wallet = Wallet.createRandom();
    const file = path.join(dir, "k.json");
    await saveKeystore(file, new Wallet(wallet.privateKey), "pw", { light: true });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const loaded = await loadKeystore(file, "pw");
    expect(loaded.address).toBe(wallet.address);
  });

  it("explains a missing file, a missing password and a wrong password", async () => {
    await expect(loadKeystore(path.join(dir, "none.json"), "pw")).rejects.toThrow(/noos wallet new/);
    const file = path.join(dir, "k2.json");
    await saveKeystore(file, new Wallet(Wallet.createRandom().privateKey), "pw", { light: true });
    const saved = process.env.NOOS_KEY_PASSWORD;
    delete process.env.NOOS_KEY_PASSWORD;
    await expect(loadKeystore(file)).rejects.toThrow(/NOOS_KEY_PASSWORD/);
    process.env.NOOS_KEY_PASSWORD = saved;
    await expect(loadKeystore(file, "wrong")).rejects.toBeInstanceOf(KeystoreError);
  });
});
