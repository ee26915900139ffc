// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IStaking} from "../interfaces/IStaking.sol";
import {ISubnets} from "../interfaces/ISubnets.sol";
import {HotkeySnapshot} from "./HotkeySnapshot.sol";
import {
    SubnetState,
    EpochRun,
    EpochResult,
    ONE,
    STAGE_IDLE,
    STAGE_PAY,
    V_STAKE_SHIFT,
    MASK64,
    MASK96,
    MASK128
} from "./ConsensusTypes.sol";

/// @notice Staking's batch payout: one transfer pulled from the caller for every hotkey.
interface IStakingBatch {
    function distributeBatch(address[] calldata hotkeys, uint256[] calldata incentives, uint256[] calldata dividends)
        external;
}

/// @notice The epoch's DIVIDENDS step and PAY chunks (ALGORITHM.md steps 8 and 10-11): the incentive
/// total, dividends from bond income and active stake, each UID's miner and validator emission, paid
/// through Staking in one transfer per chunk and recorded in the registry; the owner cut and the dust
/// at the end. Runs by DELEGATECALL.
library EpochPayLib {
    /// @notice Incentive total sum_j rank_j x ONE / rankTotal; X_k = (T_k / rankTotal) x s_k,
    /// D_k = X_k x ONE / sum X (stored); moves to PAY.
    function dividendsStep(SubnetState storage st) external {
        EpochRun storage run = st.run;
        uint256 v = run.v;
        uint256 activeTotal = run.activeTotal;
        uint256 rankTotal = run.rankTotal;
        uint256[] memory x = new uint256[](v);
        uint256 xTotal;
        if (activeTotal != 0 && rankTotal != 0) {
            for (uint256 k = 0; k < v; ++k) {
                uint256 s = (((st.validators[k] >> V_STAKE_SHIFT) & MASK96) * ONE) / activeTotal;
                if (s == 0) continue;
                uint256 t = (st.bondIncome[k >> 1] >> ((k & 1) << 7)) & MASK128;
                // invariant: T_k <= ONE x rankTotal, so T_k / rankTotal <= ONE
                x[k] = (t / rankTotal) * s;
                xTotal += x[k];
            }
        }
        uint256 dTotal;
        uint256 packed;
        for (uint256 k = 0; k < v; ++k) {
            uint256 d = xTotal == 0 ? 0 : (x[k] * ONE) / xTotal;
            dTotal += d;
            packed |= d << ((k & 3) << 6);
            if (k & 3 == 3 || k + 1 == v) {
                if (st.dividends[k >> 2] != packed) st.dividends[k >> 2] = packed;
                packed = 0;
            }
        }
        uint256 incentiveTotal = _incentiveTotal(st, run.n, rankTotal);
        run.xTotal = xTotal;
        run.incentiveTotal = incentiveTotal;
        run.scoreTotal = incentiveTotal + dTotal;
        run.cursor = 0;
        run.stage = STAGE_PAY;
    }

    /// @notice Pays UIDs [u0, u1) and records their emission; after the last UID pays the owner cut,
    /// carries the dust and goes idle.
    /// @return done true when the epoch finished
    function payStep(
        SubnetState storage st,
        uint16 netuid,
        uint256 u0,
        uint256 u1,
        IStaking staking,
        ISubnets subnets
    ) external returns (bool done) {
        EpochRun storage run = st.run;
        (uint256[] memory miner, uint256[] memory validator) = amounts(st, u0, u1);
        run.paid += _payAndRecord(st, netuid, u0, miner, validator, staking, subnets);
        run.cursor = uint16(u1);
        if (u1 < run.n) return false;
        _finish(st, run, netuid, staking, subnets);
        return true;
    }

    /// @notice Tokens UIDs [u0, u1) earn this epoch as miners (by incentive) and as validators (by
    /// dividends; when nobody has incentive nor dividends, by active stake, else by stake).
    function amounts(SubnetState storage st, uint256 u0, uint256 u1)
        public
        view
        returns (uint256[] memory miner, uint256[] memory validator)
    {
        EpochRun storage run = st.run;
        miner = new uint256[](u1 - u0);
        validator = new uint256[](u1 - u0);
        uint256 e = run.emission;
        uint256 score = run.scoreTotal;
        if (score != 0) {
            uint256 rankTotal = run.rankTotal;
            for (uint256 j = u0; j < u1; ++j) miner[j - u0] = (incentiveOf(st, j, rankTotal) * e) / score;
            _validatorShares(st, run.v, u0, u1, e, score, validator, false);
        } else if (run.activeTotal != 0) {
            _validatorShares(st, run.v, u0, u1, e, run.activeTotal, validator, true);
        } else if (run.stakeTotal != 0) {
            uint256 total = run.stakeTotal;
            for (uint256 j = u0; j < u1; ++j) {
                validator[j - u0] = (((st.stakeBasis[j >> 1] >> ((j & 1) << 7)) & MASK128) * e) / total;
            }
        }
    }

    /// @notice Incentive of UID j: rank_j x ONE / rankTotal (0 when rankTotal is 0).
    function incentiveOf(SubnetState storage st, uint256 j, uint256 rankTotal) internal view returns (uint256) {
        if (rankTotal == 0) return 0;
        return (((st.ranks[j >> 2] >> ((j & 3) << 6)) & MASK64) * ONE) / rankTotal;
    }

    /// @dev sum_j rank_j x ONE / rankTotal, four ranks per storage word.
    function _incentiveTotal(SubnetState storage st, uint256 n, uint256 rankTotal) private view returns (uint256 total) {
        if (rankTotal == 0) return 0;
        for (uint256 w = 0; w << 2 < n; ++w) {
            uint256 word = st.ranks[w];
            uint256 lanes = n - (w << 2);
            if (lanes > 4) lanes = 4;
            // invariant: ranks <= ONE, at most 256 incentives each <= ONE: no overflow
            unchecked {
                for (uint256 i = 0; i < lanes; ++i) total += (((word >> (i << 6)) & MASK64) * ONE) / rankTotal;
            }
        }
    }

    /// @dev Validator emission of the permit holders within [u0, u1): dividends x e / total, or (byStake)
    /// active stake x e / total.
    function _validatorShares(
        SubnetState storage st,
        uint256 v,
        uint256 u0,
        uint256 u1,
        uint256 e,
        uint256 total,
        uint256[] memory out,
        bool byStake
    ) private view {
        for (uint256 k = 0; k < v; ++k) {
            uint256 word = st.validators[k];
            uint256 uid = word & 0xffff;
            if (uid < u0) continue;
            if (uid >= u1) break;
            uint256 basis = byStake
                ? (word >> V_STAKE_SHIFT) & MASK96
                : (st.dividends[k >> 2] >> ((k & 3) << 6)) & MASK64;
            out[uid - u0] = (basis * e) / total;
        }
    }

    /// @dev One distributeBatch for the UIDs paid, then every UID's emission recorded; returns the total.
    function _payAndRecord(
        SubnetState storage st,
        uint16 netuid,
        uint256 u0,
        uint256[] memory miner,
        uint256[] memory validator,
        IStaking staking,
        ISubnets subnets
    ) private returns (uint256 paid) {
        uint256 len = miner.length;
        uint16[] memory uids = new uint16[](len);
        uint256[] memory total = new uint256[](len);
        uint256 count;
        for (uint256 i = 0; i < len; ++i) {
            uids[i] = uint16(u0 + i);
            total[i] = miner[i] + validator[i];
            paid += total[i];
            if (total[i] != 0) ++count;
        }
        if (count != 0) _distribute(st, u0, miner, validator, count, staking);
        if (len != 0) subnets.recordEmission(netuid, uids, total);
    }

    function _distribute(
        SubnetState storage st,
        uint256 u0,
        uint256[] memory miner,
        uint256[] memory validator,
        uint256 count,
        IStaking staking
    ) private {
        address[] memory hotkeys = new address[](count);
        uint256[] memory inc = new uint256[](count);
        uint256[] memory div = new uint256[](count);
        uint256 buf = HotkeySnapshot.read(st.hotkeys, u0, u0 + miner.length);
        uint256 m;
        for (uint256 i = 0; i < miner.length; ++i) {
            if (miner[i] == 0 && validator[i] == 0) continue;
            hotkeys[m] = HotkeySnapshot.hotkeyAt(buf, u0 + i);
            inc[m] = miner[i];
            div[m] = validator[i];
            ++m;
        }
        IStakingBatch(address(staking)).distributeBatch(hotkeys, inc, div);
    }

    /// @dev Owner cut to the subnet owner, dust carried, totals kept, state machine idle.
    function _finish(SubnetState storage st, EpochRun storage run, uint16 netuid, IStaking staking, ISubnets subnets)
        private
    {
        uint256 ownerCut = run.ownerCut;
        address owner = subnets.subnetOwner(netuid);
        if (owner == address(0)) ownerCut = 0;
        if (ownerCut != 0) staking.credit(owner, ownerCut);
        uint256 carried = run.pool - ownerCut - run.paid;
        st.carry = carried;
        st.result = EpochResult({
            number: run.number,
            startBlock: run.startBlock,
            endBlock: uint64(block.number),
            n: run.n,
            ownerCut: ownerCut,
            emission: run.emission,
            paid: run.paid,
            carried: carried
        });
        run.cursor = 0;
        run.stage = STAGE_IDLE;
    }
}
