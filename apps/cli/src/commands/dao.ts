import { Command } from "commander";
import {
  DaoError,
  buildCall,
  delegate,
  describeCalls,
  execute,
  parseAction,
  propose,
  queue,
  status,
  vote,
} from "../dao";
import type { DaoAddresses, Support } from "../dao";
import { openSigner, withChain, withKey, withRpc } from "../chain/context";
import type { Chain, KeyOptions, RpcOptions } from "../chain/context";
import { formatNoos } from "../chain/format";
import { print } from "../chain/output";
import { UserError } from "../errors";

type Opts = RpcOptions & KeyOptions;

/** `noos dao propose|vote|queue|execute|status|delegate`: the DAO member's lifecycle of a proposal. */
export function daoCommand(): Command {
  const dao = new Command("dao").description("propose, vote on, queue and execute parameter changes");

  withKey(withRpc(dao.command("delegate")))
    .description("delegate your NOOS votes (to yourself by default): votes count only once delegated")
    .option("--to <address>", "delegatee")
    .action((opts: Opts & { to?: string }) =>
      run(opts, async (chain, addresses) => {
        const r = await delegate(await openSigner(chain, opts), addresses, opts.to);
        print(`delegated votes to ${r.delegatee}: ${formatNoos(r.votes)} NOOS of votes; tx ${r.txHash}`);
      }),
    );

  withKey(withRpc(dao.command("propose")))
    .description(
      "propose an action: set-price --netuid 1 --tier standard --usd 0.00075 | set-limits ... | " +
        "set-rate --usd-per-noos 0.25 | set-emission-share --netuid 1 --bps 5000 | " +
        "allow-model --netuid 1 --model 0x.. | raw --target 0x.. --calldata 0x..",
    )
    .argument("<action...>", "the action and its flags")
    .option("--description <text>", "proposal description (default: a summary of the action)")
    .allowUnknownOption()
    .action((action: string[], opts: Opts & { description?: string }) =>
      run(opts, async (chain, addresses) => {
        const call = buildCall(parseAction(action), addresses);
        const r = await propose(
          await openSigner(chain, opts),
          addresses,
          [call],
          opts.description ?? describeCalls([call]),
        );
        print(`proposed: ${call.summary}`);
        print(`proposal ${r.proposalId}`);
        print(`state ${r.state}; voting from block ${r.voteStart} to ${r.voteEnd}; tx ${r.txHash}`);
      }),
    );

  withKey(withRpc(dao.command("vote")))
    .description("vote for, against or abstain")
    .argument("<proposalId>")
    .argument("<support>", "for | against | abstain")
    .option("--reason <text>", "reason recorded with the vote", "")
    .action((id: string, support: string, opts: Opts & { reason: string }) =>
      run(opts, async (chain, addresses) => {
        if (!["for", "against", "abstain"].includes(support))
          throw new UserError("support must be for, against or abstain");
        const r = await vote(await openSigner(chain, opts), addresses, proposalId(id), support as Support, opts.reason);
        print(`voted ${r.support} with ${formatNoos(r.weight)} NOOS on proposal ${r.proposalId}; tx ${r.txHash}`);
        print(
          `tally: for ${formatNoos(r.votes.for)}, against ${formatNoos(r.votes.against)}, abstain ${formatNoos(r.votes.abstain)}; state ${r.state}`,
        );
      }),
    );

  withKey(withRpc(dao.command("queue")))
    .description("queue a succeeded proposal in the timelock")
    .argument("<proposalId>")
    .action((id: string, opts: Opts) =>
      run(opts, async (chain, addresses) => {
        const r = await queue(await openSigner(chain, opts), addresses, proposalId(id), lookup(chain));
        print(
          `queued proposal ${r.proposalId}; executable from ${new Date(Number(r.eta) * 1000).toISOString()}; tx ${r.txHash}`,
        );
      }),
    );

  withKey(withRpc(dao.command("execute")))
    .description("execute a queued proposal once the timelock delay has passed")
    .argument("<proposalId>")
    .action((id: string, opts: Opts) =>
      run(opts, async (chain, addresses) => {
        const r = await execute(await openSigner(chain, opts), addresses, proposalId(id), lookup(chain));
        print(`executed proposal ${r.proposalId}; state ${r.state}; tx ${r.txHash}`);
      }),
    );

  withRpc(dao.command("status"))
    .description("state, votes, quorum and eta of a proposal")
    .argument("<proposalId>")
    .action((id: string, opts: RpcOptions) =>
      run(opts, async (chain, addresses) => {
        const s = await status(chain.provider, addresses, proposalId(id), lookup(chain));
        print(`proposal ${s.proposalId}: ${s.state}`);
        print(`  ${s.description.split("\n").join("\n  ")}`);
        print(
          `  votes: for ${formatNoos(s.votes.for)}, against ${formatNoos(s.votes.against)}, abstain ${formatNoos(s.votes.abstain)} (quorum ${formatNoos(s.quorum)})`,
        );
        print(`  voting blocks ${s.voteStart}..${s.voteEnd} (now ${s.currentBlock})`);
        if (s.eta > 0n) print(`  executable from ${new Date(Number(s.eta) * 1000).toISOString()}`);
      }),
    );
  return dao;
}

function addressesOf(chain: Chain): DaoAddresses {
  const c = chain.deployment.contracts;
  return { governor: c.governor, billing: c.billing, emission: c.emission, subnets: c.subnets, token: c.token };
}

function lookup(chain: Chain) {
  return { fromBlock: chain.deployment.deployedAtBlock };
}

function proposalId(id: string): bigint {
  if (!/^\d+$/.test(id))
    throw new UserError(`proposal id must be a whole number (as 'noos dao propose' printed it), got "${id}"`);
  return BigInt(id);
}

async function run(opts: RpcOptions, fn: (chain: Chain, addresses: DaoAddresses) => Promise<void>): Promise<void> {
  try {
    await withChain(opts, (chain) => fn(chain, addressesOf(chain)));
  } catch (err) {
    if (err instanceof DaoError) throw new UserError(err.message);
    throw err;
  }
}
