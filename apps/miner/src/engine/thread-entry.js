// Entry of the miner's engine thread. The sources are TypeScript run through tsx, as the `noos`
// command runs them, so this file is plain JavaScript.
require("tsx/cjs");
require("./thread.ts");
