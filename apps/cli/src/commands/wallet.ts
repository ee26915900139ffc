import { Wallet } from "ethers";
import { Command } from "commander";
import { loadKeystore, saveKeystore } from "@noosphere/node-kit";
import { UserError } from "../errors";
import fs from "node:fs";

export function walletCommand(): Command {
  const wallet = new Command("wallet").description("create and inspect keys (encrypted JSON keystores)");
  wallet
    .command("new")
    .description("create a new key")
    .requiredOption("--out <file>", "where to write the keystore")
    .option("--password <pw>", "keystore password (default: NOOS_KEY_PASSWORD)")
    .action(async (opts: { out: string; password?: string }) => {
      const password = opts.password ?? process.env.NOOS_KEY_PASSWORD;
      if (!password) throw new UserError("a password is needed: pass --password or set NOOS_KEY_PASSWORD");
      if (fs.existsSync(opts.out)) throw new UserError(`${opts.out} exists; choose another --out`);
      const key = new Wallet(Wallet.createRandom().privateKey);
      await saveKeystore(opts.out, key, password);
      process.stdout.write(`${key.address}\n`);
    });
  wallet
    .command("address")
    .description("print a keystore's address")
    .requiredOption("--key <file>", "keystore")
    .option("--password <pw>", "keystore password (default: NOOS_KEY_PASSWORD)")
    .action(async (opts: { key: string; password?: string }) => {
      const key = await loadKeystore(opts.key, opts.password);
      process.stdout.write(`${key.address}\n`);
    });
  return wallet;
}
