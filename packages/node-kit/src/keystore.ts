import fs from "node:fs";
import path from "node:path";
import { encryptKeystoreJson, Wallet } from "ethers";

export class KeystoreError extends Error {}

/**
 * Keys live in Ethereum JSON keystores (scrypt-encrypted). The password comes from the caller
 * or NOOS_KEY_PASSWORD. Devnet keys use a light scrypt cost so that a dozen start in seconds.
 */
export async function saveKeystore(
  file: string,
  wallet: Wallet,
  password: string,
  opts: { light?: boolean } = {},
): Promise<void> {
  const account = { address: wallet.address, privateKey: wallet.privateKey };
  const json = await encryptKeystoreJson(account, password, opts.light ? { scrypt: { N: 1 << 10 } } : {});
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, json, { mode: 0o600 });
}

export async function loadKeystore(file: string, password = process.env.NOOS_KEY_PASSWORD): Promise<Wallet> {
  if (!fs.existsSync(file)) {
    throw new KeystoreError(`key file ${file} not found: create one with 'noos wallet new --out ${file}'`);
  }
  if (password === undefined) {
    throw new KeystoreError(`key file ${file} is encrypted: set NOOS_KEY_PASSWORD or pass --password`);
  }
  try {
    const wallet = await Wallet.fromEncryptedJson(fs.readFileSync(file, "utf8"), password);
    return wallet as Wallet;
  } catch (err) {
    throw new KeystoreError(`cannot open key file ${file}: ${(err as Error).message} (wrong password?)`);
  }
}
