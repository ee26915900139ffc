import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { Interface } from "ethers";
import { Billing__factory, IEmission__factory } from "@noosphere/contracts";
import {
  DaoError,
  buildCall,
  delegate,
  describeCalls,
  execute,
  findProposal,
  parseAction,
  propose,
  queue,
  status,
  usdToMicros,
  vote,
  type DaoErrorCode,
} from "@noosphere/cli/dao";
import { governanceFixture, thresholdFixture, MIN_DELAY, NOOS, VOTING_DELAY, VOTING_PERIOD } from "./fixture";

async function rejectsWith(promise: Promise<unknown>, code: DaoErrorCode, pattern?: RegExp): Promise<DaoError> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(DaoError);
    const e = err as DaoError;
    expect(e.code).to.equal(code);
    if (pattern) expect(e.message).to.match(pattern);
    expect(e.hint.length).to.be.greaterThan(0);
    return e;
  }
  expect.fail(`expected a DaoError ${code}`);
}

/** Delegated votes and a set-price proposal, voting not open yet. */
async function proposedFixture() {
  const f = await governanceFixture();
  await delegate(f.alice, f.addresses);
  await delegate(f.bob, f.addresses);
  const call = buildCall(
    parseAction(["set-price", "--netuid", "1", "--tier", "standard", "--usd", "0.00075"]),
    f.addresses,
  );
  const proposal = await propose(f.alice, f.addresses, [call], "Price subnet 1 at $0.00075");
  return { ...f, call, proposal };
}

describe("DAO library", function () {
  describe("end to end", function () {
    it("delegate, propose a price change, vote, queue, wait, execute, read the new price", async function () {
      const { alice, bob, carol, billing, addresses } = await loadFixture(governanceFixture);
      const delegated = await delegate(alice, addresses);
      expect(delegated.votes).to.equal(600n * NOOS);
      await delegate(bob, addresses);

      const call = buildCall(
        parseAction(["set-price", "--netuid", "1", "--tier", "standard", "--usd", "0.00075"]),
        addresses,
      );
      const proposed = await propose(alice, addresses, [call], "Price subnet 1 at $0.00075");
      expect(proposed.state).to.equal("Pending");
      expect(proposed.txHash).to.match(/^0x[0-9a-f]{64}$/);
      expect(proposed.voteEnd - proposed.voteStart).to.equal(VOTING_PERIOD);

      await mine(VOTING_DELAY);
      const aliceVote = await vote(alice, addresses, proposed.proposalId, "for", "cheaper GPU inference");
      expect(aliceVote.weight).to.equal(600n * NOOS);
      expect(aliceVote.state).to.equal("Active");
      const bobVote = await vote(bob, addresses, proposed.proposalId, "against");
      expect(bobVote.votes).to.deep.equal({ against: 300n * NOOS, for: 600n * NOOS, abstain: 0n });
      // carol never delegated: no voting power.
      await rejectsWith(vote(carol, addresses, proposed.proposalId, "for"), "NO_VOTING_POWER");

      await mine(VOTING_PERIOD);
      const s1 = await status(alice, addresses, proposed.proposalId);
      expect(s1.state).to.equal("Succeeded");
      expect(s1.quorum).to.equal(40n * NOOS); // 4% of 1,000 NOOS
      expect(s1.description).to.equal("Price subnet 1 at $0.00075");
      expect(s1.targets).to.deep.equal([await billing.getAddress()]);

      const queued = await queue(alice, addresses, proposed.proposalId);
      expect(queued.state).to.equal("Queued");
      expect(queued.eta).to.equal(BigInt(await time.latest()) + MIN_DELAY);
      await rejectsWith(execute(alice, addresses, proposed.proposalId), "TOO_EARLY", /may execute from/);

      await time.increaseTo(queued.eta);
      const executed = await execute(carol, addresses, proposed.proposalId);
      expect(executed.state).to.equal("Executed");
      expect((await billing.tierPrice(1, 0))[0]).to.equal(750n);
      expect((await status(carol, addresses, proposed.proposalId)).state).to.equal("Executed");
    });

    it("finds a proposal made before governance shortened the voting delay", async function () {
      const { alice, governor, addresses } = await loadFixture(governanceFixture);
      await delegate(alice, addresses);
      const setDelay = buildCall(
        {
          kind: "raw",
          target: addresses.governor!,
          calldata: governor.interface.encodeFunctionData("setVotingDelay", [0]),
        },
        addresses,
      );
      const shorten = await propose(alice, addresses, [setDelay], "No voting delay");
      const older = await propose(alice, addresses, [setDelay], "Made under the old delay");
      await mine(VOTING_DELAY);
      await vote(alice, addresses, shorten.proposalId, "for");
      await mine(VOTING_PERIOD);
      const { eta } = await queue(alice, addresses, shorten.proposalId);
      await time.increaseTo(eta);
      await execute(alice, addresses, shorten.proposalId);
      expect(await governor.votingDelay()).to.equal(0n);
      // Its creation block is now before snapshot - votingDelay: found by the full scan.
      const found = await findProposal(alice, addresses, older.proposalId);
      expect(found.description).to.equal("Made under the old delay");
      expect(found.calldatas).to.deep.equal([setDelay.calldata]);
    });

    it("one proposal can carry several actions (price and rate)", async function () {
      const { alice, billing, addresses } = await loadFixture(governanceFixture);
      await delegate(alice, addresses);
      const calls = [
        buildCall({ kind: "set-price", netuid: 2, tier: "batch", usd: "0.0001" }, addresses),
        buildCall(parseAction(["set-rate", "--usd-per-noos", "0.25"]), addresses),
      ];
      const { proposalId } = await propose(alice, addresses, calls);
      await mine(VOTING_DELAY);
      await vote(alice, addresses, proposalId, "for");
      await mine(VOTING_PERIOD);
      const { eta } = await queue(alice, addresses, proposalId);
      await time.increaseTo(eta);
      await execute(alice, addresses, proposalId);
      expect((await billing.tierPrice(2, 1))[0]).to.equal(100n);
      expect((await billing.rate())[0]).to.equal(250_000n);
      expect(await billing.priceInNoos(2, 1)).to.equal(4n * 10n ** 14n); // $0.0001 / $0.25
    });
  });

  describe("clear errors", function () {
    it("propose without enough votes: NO_VOTING_POWER", async function () {
      const { alice, carol, addresses } = await loadFixture(thresholdFixture);
      const call = buildCall({ kind: "set-rate", usdPerNoos: "1" }, addresses);
      await rejectsWith(propose(carol, addresses, [call]), "NO_VOTING_POWER", /proposing needs 100000000000000000000/);
      await delegate(alice, addresses);
      await mine(1);
      const ok = await propose(alice, addresses, [call]);
      expect(ok.state).to.equal("Pending");
    });

    it("the same proposal twice: WRONG_STATE, with how to propose it again", async function () {
      const { alice, call, addresses } = await loadFixture(proposedFixture);
      const e = await rejectsWith(propose(alice, addresses, [call], "Price subnet 1 at $0.00075"), "WRONG_STATE");
      expect(e.hint).to.match(/description/);
      await rejectsWith(propose(alice, addresses, []), "BAD_ACTION");
    });

    it("vote before voting opens: TOO_EARLY; twice: ALREADY_VOTED; after it closed: WRONG_STATE", async function () {
      const { alice, proposal, addresses } = await loadFixture(proposedFixture);
      await rejectsWith(vote(alice, addresses, proposal.proposalId, "for"), "TOO_EARLY", /opens after block/);
      await mine(VOTING_DELAY);
      await vote(alice, addresses, proposal.proposalId, "for");
      await rejectsWith(vote(alice, addresses, proposal.proposalId, "against"), "ALREADY_VOTED");
      await mine(VOTING_PERIOD);
      await rejectsWith(vote(alice, addresses, proposal.proposalId, "for"), "WRONG_STATE", /Succeeded/);
    });

    it("votes delegated after the snapshot do not count: NO_VOTING_POWER", async function () {
      const { carol, proposal, addresses } = await loadFixture(proposedFixture);
      await mine(VOTING_DELAY);
      await delegate(carol, addresses); // lands after the snapshot block
      await rejectsWith(vote(carol, addresses, proposal.proposalId, "for"), "NO_VOTING_POWER", /snapshot/);
    });

    it("queue during the vote: TOO_EARLY; a defeated proposal: WRONG_STATE", async function () {
      const { alice, bob, proposal, addresses } = await loadFixture(proposedFixture);
      await rejectsWith(queue(alice, addresses, proposal.proposalId), "TOO_EARLY", /runs until block/);
      await mine(VOTING_DELAY);
      await vote(bob, addresses, proposal.proposalId, "against");
      await rejectsWith(queue(alice, addresses, proposal.proposalId), "TOO_EARLY");
      await mine(VOTING_PERIOD);
      const e = await rejectsWith(queue(alice, addresses, proposal.proposalId), "WRONG_STATE", /Defeated/);
      expect(e.hint).to.match(/propose again/);
    });

    it("execute before queueing: WRONG_STATE; twice: WRONG_STATE", async function () {
      const { alice, proposal, addresses } = await loadFixture(proposedFixture);
      await mine(VOTING_DELAY);
      await vote(alice, addresses, proposal.proposalId, "for");
      await mine(VOTING_PERIOD);
      const e = await rejectsWith(execute(alice, addresses, proposal.proposalId), "WRONG_STATE");
      expect(e.hint).to.equal("queue it first");
      const { eta } = await queue(alice, addresses, proposal.proposalId);
      await rejectsWith(queue(alice, addresses, proposal.proposalId), "WRONG_STATE", /Queued/);
      await time.increaseTo(eta);
      await execute(alice, addresses, proposal.proposalId);
      await rejectsWith(execute(alice, addresses, proposal.proposalId), "WRONG_STATE", /Executed/);
    });

    it("an unknown proposal id: UNKNOWN_PROPOSAL", async function () {
      const { alice, addresses } = await loadFixture(proposedFixture);
      for (const call of [
        () => vote(alice, addresses, 123n, "for"),
        () => queue(alice, addresses, 123n),
        () => execute(alice, addresses, 123n),
        () => status(alice, addresses, 123n),
        () => findProposal(alice, addresses, 123n),
      ]) {
        await rejectsWith(call(), "UNKNOWN_PROPOSAL");
      }
    });

    it("status reports a pending proposal with no quorum yet", async function () {
      const { proposal, addresses, alice, call } = await loadFixture(proposedFixture);
      const s = await status(alice, addresses, proposal.proposalId);
      expect(s.state).to.equal("Pending");
      expect(s.quorum).to.equal(0n);
      expect(s.eta).to.equal(0n);
      expect(s.proposer).to.equal(alice.address);
      expect(s.calldatas).to.deep.equal([call.calldata]);
      expect(s.values).to.deep.equal([0n]);
      expect(s.votes).to.deep.equal({ against: 0n, for: 0n, abstain: 0n });
    });
  });

  describe("actions", function () {
    const addresses = {
      governor: "0x0000000000000000000000000000000000000001",
      billing: "0x00000000000000000000000000000000000000b1",
      emission: "0x00000000000000000000000000000000000000e1",
      subnets: "0x00000000000000000000000000000000000000a1",
    };
    const billingIface = Billing__factory.createInterface();

    it("set-price: USD to micro-units, tier by name or number", function () {
      const call = buildCall(
        parseAction(["set-price", "--netuid", "1", "--tier", "standard", "--usd", "0.00075"]),
        addresses,
      );
      expect(call.target).to.equal(addresses.billing);
      expect(call.value).to.equal(0n);
      expect([...billingIface.decodeFunctionData("setPrice", call.calldata)]).to.deep.equal([1n, 0n, 750n]);
      expect(call.summary).to.match(/setPrice\(netuid 1, tier standard, \$0.00075/);
      const batch = buildCall(parseAction(["set-price", "--netuid", "3", "--tier", "1", "--usd", "2"]), addresses);
      expect([...billingIface.decodeFunctionData("setPrice", batch.calldata)]).to.deep.equal([3n, 1n, 2_000_000n]);
    });

    it("set-rate, set-limits", function () {
      const rate = buildCall(parseAction(["set-rate", "--usd-per-noos", "0.25"]), addresses);
      expect([...billingIface.decodeFunctionData("setRate", rate.calldata)]).to.deep.equal([250_000n]);
      const limits = buildCall(
        parseAction(["set-limits", "--netuid", "1", "--tier", "batch", "--max-input", "512", "--max-output", "2048"]),
        addresses,
      );
      expect([...billingIface.decodeFunctionData("setLimits", limits.calldata)]).to.deep.equal([1n, 1n, 512n, 2048n]);
    });

    it("set-emission-share targets IEmission.setEmissionShare at the emission address", function () {
      const call = buildCall(parseAction(["set-emission-share", "--netuid", "2", "--bps", "2500"]), addresses);
      expect(call.target).to.equal(addresses.emission);
      const decoded = IEmission__factory.createInterface().decodeFunctionData("setEmissionShare", call.calldata);
      expect([...decoded]).to.deep.equal([2n, 2500n]);
    });

    it("allow-model targets SubnetRegistry.setModelAllowed at the subnets address", function () {
      const model = ethers.sha256(ethers.toUtf8Bytes("m"));
      const iface = new Interface(["function setModelAllowed(uint16,bytes32,bool)"]);
      const allow = buildCall(parseAction(["allow-model", "--netuid", "1", "--model", model]), addresses);
      expect(allow.target).to.equal(addresses.subnets);
      expect([...iface.decodeFunctionData("setModelAllowed", allow.calldata)]).to.deep.equal([1n, model, true]);
      const deny = buildCall(
        parseAction(["allow-model", "--netuid", "1", "--model", model, "--allowed", "false"]),
        addresses,
      );
      expect([...iface.decodeFunctionData("setModelAllowed", deny.calldata)]).to.deep.equal([1n, model, false]);
      expect(iface.getFunction("setModelAllowed")!.selector).to.equal(
        ethers.id("setModelAllowed(uint16,bytes32,bool)").slice(0, 10),
      );
    });

    it("raw calls pass through", function () {
      const call = buildCall(
        parseAction(["raw", "--target", addresses.billing, "--calldata", "0xdeadbeef", "--value", "5"]),
        addresses,
      );
      expect(call).to.include({ target: addresses.billing, calldata: "0xdeadbeef", value: 5n });
      expect(describeCalls([call], "Raw")).to.match(/^# Raw\n\n- call 0x/);
    });

    it("usdToMicros is exact and refuses what it cannot represent", function () {
      expect(usdToMicros("0.00075")).to.equal(750n);
      expect(usdToMicros("1")).to.equal(1_000_000n);
      expect(usdToMicros("0.000001")).to.equal(1n);
      for (const bad of ["0.0000001", "-1", "1e-3", "abc", "", "18446744073710"]) {
        expect(() => usdToMicros(bad)).to.throw(DaoError);
      }
    });

    it("bad input is a BAD_ACTION or MISSING_ADDRESS error that says what to write", function () {
      const cases: [string[], DaoErrorCode][] = [
        [["nope"], "BAD_ACTION"],
        [[], "BAD_ACTION"],
        [["set-price", "--netuid", "1", "--tier", "gpu", "--usd", "1"], "BAD_ACTION"],
        [["set-price", "--netuid", "1", "--tier", "standard"], "BAD_ACTION"],
        [["set-price", "--netuid", "x", "--tier", "standard", "--usd", "1"], "BAD_ACTION"],
        [["set-price", "--netuid"], "BAD_ACTION"],
        [["allow-model", "--netuid", "1", "--model", "0x12", "--allowed", "maybe"], "BAD_ACTION"],
        [["raw", "--target", "0x1", "--calldata", "0x", "--value", "-1"], "BAD_ACTION"],
      ];
      for (const [argv, code] of cases) {
        let thrown: unknown;
        try {
          parseAction(argv);
        } catch (err) {
          thrown = err;
        }
        expect(thrown, argv.join(" ")).to.be.instanceOf(DaoError);
        expect((thrown as DaoError).code).to.equal(code);
      }
      const built: [Parameters<typeof buildCall>[0], DaoErrorCode][] = [
        [{ kind: "set-price", netuid: 1, tier: "standard", usd: "0" }, "BAD_ACTION"],
        [{ kind: "set-price", netuid: 70_000, tier: "standard", usd: "1" }, "BAD_ACTION"],
        [{ kind: "set-price", netuid: 1, tier: 2, usd: "1" }, "BAD_ACTION"],
        [{ kind: "set-rate", usdPerNoos: "0" }, "BAD_ACTION"],
        [{ kind: "set-limits", netuid: 1, tier: 0, maxInput: 0, maxOutput: 1 }, "BAD_ACTION"],
        [{ kind: "set-emission-share", netuid: 1, bps: 10_001 }, "BAD_ACTION"],
        [{ kind: "allow-model", netuid: 1, model: "0x12", allowed: true }, "BAD_ACTION"],
        [{ kind: "raw", target: "nope", calldata: "0x" }, "BAD_ACTION"],
        [{ kind: "raw", target: addresses.billing, calldata: "zz" }, "BAD_ACTION"],
        [{ kind: "set-emission-share", netuid: 1, bps: 1 }, "MISSING_ADDRESS"],
      ];
      for (const [action, code] of built) {
        const where = code === "MISSING_ADDRESS" ? { governor: addresses.governor } : addresses;
        expect(() => buildCall(action, where), JSON.stringify(action))
          .to.throw(DaoError)
          .with.property("code", code);
      }
    });
  });
});
