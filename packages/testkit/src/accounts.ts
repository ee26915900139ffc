import { HDNodeWallet, Mnemonic, Wallet } from "ethers";
import type { Provider } from "ethers";

/** Hardhat's development mnemonic: every Hardhat node funds its first 20 accounts with 10,000 ETH. */
export const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

/** Hardhat's funded account `index` as an HD wallet. */
export function hdAccount(index: number): HDNodeWallet {
  return HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(HARDHAT_MNEMONIC), `m/44'/60'/0'/0/${index}`);
}

/** Hardhat's funded account `index` (0..19) as a plain wallet, connected to `provider` if given. */
export function devAccount(index: number, provider?: Provider): Wallet {
  return new Wallet(hdAccount(index).privateKey, provider);
}
