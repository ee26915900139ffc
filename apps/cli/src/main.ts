import { Command } from "commander";
import { describeError } from "./errors";
import { registerCommands } from "./commands";

const program = new Command()
  .name("noos")
  .description("Noosphere: run miners, validators and gateways; stake, register and govern")
  .showHelpAfterError();

registerCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  const { message, exitCode } = describeError(err);
  process.stderr.write(`noos: ${message}\n`);
  process.exit(exitCode);
});
