// The devnet's Hardhat node. Only the network is configured: no plugins to load (the node starts
// in half the time of the project's config) and no line per RPC call. It mines a block every
// NOOS_DEVNET_BLOCK_MS milliseconds (epochs are counted in blocks) and, until the devnet turns it
// off after setup, at once on a transaction, so setup does not wait a block time per transaction. The default hardfork is kept: it enforces
// the 2^24 gas cap per transaction.
module.exports = {
  networks: {
    hardhat: {
      chainId: 31337,
      loggingEnabled: false,
      mining: { auto: true, interval: Number(process.env.NOOS_DEVNET_BLOCK_MS || 1000) },
    },
  },
};
