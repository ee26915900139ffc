#!/usr/bin/env node
// The `noos` command. Sources are TypeScript run through tsx, so no build step is needed.
require("tsx/cjs");
require("../src/main.ts");
