// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IEmission} from "../interfaces/IEmission.sol";
import {IStaking} from "../interfaces/IStaking.sol";
import {ISubnets} from "../interfaces/ISubnets.sol";
import {ConsensusBase} from "./ConsensusBase.sol";
import {ConsensusViews} from "./ConsensusViews.sol";
import {WeightsLedger} from "./WeightsLedger.sol";
import {EpochStartLib} from "./EpochStartLib.sol";
import {EpochConsensusLib} from "./EpochConsensusLib.sol";
import {
    passSlotPlan,
    PASS_SETUP_GAS,
    PASS_SETUP_VALIDATOR_GAS,
    PASS_PREPARE_GAS,
    PASS_STALE_VALIDATOR_GAS,
    PASS_SCAN_VALIDATOR_GAS
} from "./EpochPassGas.sol";
import {EpochPayLib} from "./EpochPayLib.sol";
import {
    SubnetState,
    EpochRun,
    ONE,
    OWNER_CUT_BPS,
    BPS,
    STAGE_IDLE,
    STAGE_PASS,
    STAGE_DIVIDENDS
} from "./ConsensusTypes.sol";

/// @notice Weights (commit-reveal) and Yuma consensus (packages/yuma/ALGORITHM.md) of every subnet, run
/// on-chain by anyone when an epoch is due, as a state machine whose every step fits the 2^24 gas cap
/// of a transaction: START, PASS (consensus, bonds and bond income of 16-UID column slots, as many per
/// step as the gas left covers), DIVIDENDS, PAY (chunks of UIDs). A call runs the next step, then more
/// steps while the gas left covers the next one's worst case; the cursor is the contract's, so no step
/// can be skipped or repeated.
/// @dev Consistency between chunks: START snapshots what the epoch needs (hotkeys, registration blocks,
/// stakes, permits, last updates, parameters), reveals are refused until the epoch finishes, and the
/// weight rows, bonds and results are only written by the epoch's own steps. Registrations, stake
/// moves and parameter changes during a running epoch apply from the next one.
/// Needs DISTRIBUTOR_ROLE on Emission, REWARDER_ROLE on Staking and EPOCH_ROLE on the registry.
contract Consensus is WeightsLedger, ConsensusViews {
    using SafeERC20 for IERC20;

    /// @dev Gas kept back after the last step of a call (events, return, the caller's margin).
    uint256 internal constant GAS_RESERVE = 150_000;
    /// @dev Worst-case gas of a PAY step: fixed part, and per UID (a first credit in Staking, a pool write,
    /// a first emission record). A step pays as many UIDs as the gas left covers, at least PAY_MIN_UIDS;
    /// a call starts a PAY step after another step only when PAY_MIN_UIDS (or all that are left) fit, so
    /// that the UIDs are paid in few chunks (each reads the validators and calls Staking and the registry).
    uint256 internal constant PAY_BASE_GAS = 300_000;
    uint256 internal constant PAY_UID_GAS = 60_000;
    uint256 internal constant PAY_MIN_UIDS = 128;

    event EpochStarted(uint16 indexed netuid, uint64 indexed epoch, uint16 neurons, uint8 validators, uint256 pool);
    event EpochStep(uint16 indexed netuid, uint64 indexed epoch, uint8 stage, uint16 cursor);
    event EpochFinished(uint16 indexed netuid, uint64 indexed epoch, uint256 ownerCut, uint256 paid, uint256 carried);

    error ConsensusSubnetNotFound(uint16 netuid);
    error ConsensusEpochNotDue(uint16 netuid, uint256 dueBlock);
    error ConsensusTooManyUids(uint16 netuid, uint256 n);
    error ConsensusGasTooLow(uint16 netuid, uint8 stage, uint256 gasLeft);

    constructor(IERC20 token_, IEmission emission_, IStaking staking_, ISubnets subnets_, address admin)
        ConsensusBase(token_, emission_, staking_, subnets_, admin)
    {
        token_.forceApprove(address(staking_), type(uint256).max);
    }

    /// @notice Starts `netuid`'s epoch when it is due (block >= last start + tempo), or continues the
    /// running one; then runs further steps while the gas left covers them. Anyone may call. A call that
    /// cannot fit one step reverts (ConsensusGasTooLow), so that gas estimation never settles on a call
    /// that succeeds without progress.
    /// @return finished true when this call finished the epoch (paid and recorded)
    function runEpoch(uint16 netuid) external returns (bool finished) {
        SubnetState storage st = _subnets[netuid];
        EpochRun storage run = st.run;
        bool progressed;
        if (run.stage == STAGE_IDLE) {
            _start(netuid, st);
        } else {
            (finished, progressed) = _step(netuid, st);
            if (!progressed) revert ConsensusGasTooLow(netuid, run.stage, gasleft());
        }
        while (run.stage != STAGE_IDLE && gasleft() > _stepCost(run) + GAS_RESERVE) {
            (finished, progressed) = _step(netuid, st);
            if (!progressed) break;
        }
    }

    function _start(uint16 netuid, SubnetState storage st) private {
        if (!subnets.subnetExists(netuid)) revert ConsensusSubnetNotFound(netuid);
        ISubnets.SubnetParams memory sp = subnets.params(netuid);
        EpochRun storage run = st.run;
        if (run.number != 0 && block.number < uint256(run.startBlock) + sp.tempo) {
            revert ConsensusEpochNotDue(netuid, uint256(run.startBlock) + sp.tempo);
        }
        uint64 number = run.number + 1;
        run.number = number;
        run.startBlock = uint64(block.number);
        run.tempo = sp.tempo;
        run.params = _paramsOf(netuid);
        uint256 v = EpochStartLib.start(st, netuid, subnets, staking, sp.maxValidators, sp.minValidatorStake);
        if (run.n == 0) run.stage = STAGE_DIVIDENDS;
        uint256 pool = emission.pull(netuid) + st.carry;
        st.carry = 0;
        uint256 ownerCut = (pool * OWNER_CUT_BPS) / BPS;
        run.pool = pool;
        run.ownerCut = ownerCut;
        run.emission = pool - ownerCut;
        emit EpochStarted(netuid, number, run.n, uint8(v), pool);
    }

    /// @dev Runs the step the cursor points at; true when it finished the epoch, and whether it moved the
    /// cursor (a PASS step whose first slot did not fit the gas left does not).
    function _step(uint16 netuid, SubnetState storage st) private returns (bool finished, bool progressed) {
        EpochRun storage run = st.run;
        uint8 stage = run.stage;
        uint16 cursor = run.cursor;
        progressed = true;
        if (stage == STAGE_PASS) {
            progressed = EpochConsensusLib.passStep(st, GAS_RESERVE);
            if (!progressed) return (false, false);
        } else if (stage == STAGE_DIVIDENDS) {
            EpochPayLib.dividendsStep(st);
        } else {
            uint256 budget = gasleft();
            budget = budget > PAY_BASE_GAS + GAS_RESERVE ? (budget - PAY_BASE_GAS - GAS_RESERVE) / PAY_UID_GAS : 0;
            uint256 u1 = uint256(cursor) + (budget < PAY_MIN_UIDS ? PAY_MIN_UIDS : budget);
            if (u1 > run.n) u1 = run.n;
            finished = EpochPayLib.payStep(st, netuid, cursor, u1, staking, subnets);
        }
        emit EpochStep(netuid, run.number, stage, cursor);
        if (finished) {
            emit EpochFinished(netuid, run.number, st.result.ownerCut, st.result.paid, st.result.carried);
        }
    }

    /// @dev Worst-case gas of the next step (for PAY: of its smallest chunk).
    function _stepCost(EpochRun storage run) private view returns (uint256) {
        uint256 stage = run.stage;
        uint256 v = run.v;
        if (stage == STAGE_PASS) {
            uint256 cost = PASS_SETUP_GAS + v * PASS_SETUP_VALIDATOR_GAS;
            if (run.cursor != 0) return cost + passSlotPlan(v, run.liquid, v, GAS_RESERVE);
            bool liquid = run.params.liquidAlpha;
            cost += PASS_PREPARE_GAS;
            if (run.stale) cost += v * PASS_STALE_VALIDATOR_GAS;
            // the liquid-alpha check scans this epoch's columns unless it compares with the previous ones
            uint256 mode = run.params.consensusMode;
            if (liquid && (mode == 1 || mode == 3 || (mode == 0 && run.params.bondsPenalty != ONE))) {
                cost += v * PASS_SCAN_VALIDATOR_GAS;
            }
            return cost + passSlotPlan(v, liquid, v, GAS_RESERVE);
        }
        if (stage == STAGE_DIVIDENDS) return 100_000 + v * 12_000 + uint256(run.n) * 1_000;
        uint256 uids = uint256(run.n) - run.cursor;
        if (uids > PAY_MIN_UIDS) uids = PAY_MIN_UIDS;
        return PAY_BASE_GAS + uids * PAY_UID_GAS;
    }
}
