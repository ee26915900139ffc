// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {EpochColumns} from "./EpochColumns.sol";
import {EpochBondsLanes} from "./EpochBondsLanes.sol";
import {EpochBondsLiquid} from "./EpochBondsLiquid.sol";
import {passLaneBound, passFinishBound, passEndBound, passSlotPlan} from "./EpochPassGas.sol";
import {
    PassFrame,
    R_SIZE,
    R_S,
    R_SUM,
    R_T,
    R_INFO,
    R_WBASE,
    R_BBASE,
    B_WORDS,
    I_UPDATE_SHIFT,
    I_KEEP_SHIFT,
    I_SLOTS_SHIFT
} from "./EpochPassFrame.sol";
import {
    SubnetState,
    EpochRun,
    Params,
    ONE,
    HALF,
    U16,
    MAX_VALIDATORS,
    STAGE_DIVIDENDS,
    V_STAKE_SHIFT,
    V_SUM_SHIFT,
    V_UPDATE_SHIFT,
    V_PERMIT_BIT,
    V_SLOTS_SHIFT,
    V_STALE_BIT,
    MASK32,
    MASK64,
    MASK96,
    MASK128
} from "./ConsensusTypes.sol";

/// @notice The epoch's PASS stage over column slots (16 UIDs each; ALGORITHM.md steps 5-10 column by
/// column): every weight read and masked once, then per column the kappa-quantile consensus, the clipped
/// weights and rank, the bond EMA (liquid alpha included) and stored u16 bonds, and each validator's bond
/// income sum_j (nb_kj x ONE / colSum_j) x rank_j, which needs no global total. A step runs slots while
/// the gas left covers the plan of one more, each column checked against its bound (EpochPassGas). Runs
/// by DELEGATECALL on the consensus storage.
library EpochConsensusLib {
    error ConsensusTooManyValidators(uint256 validators);

    /// @notice Processes column slots from the cursor on, while the gas left covers the plan of one more
    /// (the first one always starts; the caller plans it with first bonds writes in every row); moves to
    /// DIVIDENDS after the last slot. A slot whose next column may not fit with the slot's end and the
    /// step's end (EpochPassGas bounds) is abandoned: nothing of it is committed and the next step redoes
    /// it. The first step first drops outdated entries from row sums and decides whether liquid alpha is
    /// in effect.
    /// @param reserve gas the caller needs after the step returns
    /// @return progressed false when not even the first slot fitted (the caller reverts or stops)
    function passStep(SubnetState storage st, uint256 reserve) external returns (bool progressed) {
        EpochRun storage run = st.run;
        PassFrame memory p = _setup(st, run);
        uint256 t0 = run.cursor;
        uint256 slots = (p.n + 15) >> 4;
        Params memory prm = run.params;
        if (t0 == 0) _prepare(st, run, p, prm);
        if (p.liquid != 0) _liquidSetup(p, prm);
        uint256 t = t0;
        while (t < slots) {
            // the next slot is planned with as many first bonds writes as the last one had
            if (t != t0 && gasleft() < passSlotPlan(p.v, p.liquid != 0, p.firstWrites, reserve)) break;
            if (!_slot(st, p, t, reserve)) break;
            ++t;
        }
        _finish(st, run, p, t0, t, slots);
        progressed = t > t0;
    }

    /// @dev The frame: per validator a record with its active stake share, row sum, UID, last update,
    /// permit, slot mask, storage bases and income so far; the voters' stake and the quantile's `need`.
    function _setup(SubnetState storage st, EpochRun storage run) private view returns (PassFrame memory p) {
        uint256 v = run.v;
        // permits are the top MAX_VALIDATORS by stake; the vote buckets hold that many votes each
        if (v > MAX_VALIDATORS) revert ConsensusTooManyValidators(v);
        p.v = v;
        p.n = run.n;
        p.recPtr = _alloc((v * R_SIZE) >> 5);
        p.activePtr = _alloc(v);
        p.bucketPtr = _alloc(B_WORDS);
        p.regPtr = _alloc(16);
        p.consPtr = _alloc(16);
        p.prevPtr = _alloc(16);
        p.rankPtr = _alloc(32);
        p.colSumPtr = p.rankPtr + 512;
        uint256 startBlock = run.startBlock;
        p.lastTempo = startBlock >= run.tempo ? startBlock - run.tempo : 0;
        p.seed = uint256(keccak256(abi.encode(startBlock, run.cursor)));
        p.alpha = ONE - run.params.bondsMovingAverage;
        p.penalty = run.params.bondsPenalty;
        uint256 voterStake = _validators(st, p, run.activeTotal, run.cursor != 0);
        p.voterStake = voterStake;
        p.need = (voterStake * (ONE - run.params.kappa)) / ONE + 1;
        if (run.cursor != 0) {
            p.liquid = run.liquid ? 1 : 0;
            p.rankTotal = run.rankTotal;
        }
    }

    /// @dev Reads the validator words into the records (and the income so far when `resume`); returns the
    /// sum of the active stake shares.
    function _validators(SubnetState storage st, PassFrame memory p, uint256 activeTotal, bool resume)
        private
        view
        returns (uint256 voterStake)
    {
        for (uint256 k = 0; k < p.v; ++k) {
            uint256 word = st.validators[k];
            uint256 uid = word & 0xffff;
            uint256 s = activeTotal == 0 ? 0 : (((word >> V_STAKE_SHIFT) & MASK96) * ONE) / activeTotal;
            uint256 sum = (word >> V_SUM_SHIFT) & MASK32;
            // invariant: the shares sum to at most ONE
            voterStake += s;
            uint256 r = _record(p, k);
            _put(r, R_S, s);
            _put(r, R_SUM, sum);
            _put(
                r,
                R_INFO,
                uid |
                    (((word >> V_UPDATE_SHIFT) & MASK64) << I_UPDATE_SHIFT) |
                    (((word >> V_PERMIT_BIT) & 1) << I_KEEP_SHIFT) |
                    (((word >> V_SLOTS_SHIFT) & 0xffff) << I_SLOTS_SHIFT)
            );
            _put(r, R_WBASE, sum != 0 ? _base(st.weights[uint16(uid)]) : 0);
            _put(r, R_BBASE, _base(st.bonds[uint16(uid)]));
            _put(r, R_T, resume ? (st.bondIncome[k >> 1] >> ((k & 1) << 7)) & MASK128 : 0);
        }
    }

    /// @dev The first step's extras: outdated entries out of the row sums, liquid alpha decided.
    function _prepare(SubnetState storage st, EpochRun storage run, PassFrame memory p, Params memory prm) private {
        if (run.stale) {
            _dropOutdatedFromSums(st, p);
            run.stale = false;
        }
        bool liquid = prm.liquidAlpha && _liquidInEffect(st, p, _mode(prm));
        run.liquid = liquid;
        p.liquid = liquid ? 1 : 0;
    }

    /// @dev For every row marked stale: subtracts from its sum the entries of UIDs registered at or after the
    /// row's block (but its own, already out), then stores the word with the new sum. Only the row's slots
    /// holding such a UID are read.
    function _dropOutdatedFromSums(SubnetState storage st, PassFrame memory p) private {
        uint256 n = p.n;
        uint256 slots = (n + 15) >> 4;
        // registration blocks, 16 per slot (0 beyond n), and the latest one of each slot
        uint256[] memory reg = new uint256[](slots << 4);
        uint256[] memory latest = new uint256[](slots);
        for (uint256 j = 0; j < n; ++j) {
            uint256 r = (st.registered[j >> 2] >> ((j & 3) << 6)) & MASK64;
            reg[j] = r;
            if (r > latest[j >> 4]) latest[j >> 4] = r;
        }
        for (uint256 k = 0; k < p.v; ++k) {
            uint256 word = st.validators[k];
            if ((word >> V_STALE_BIT) & 1 == 0) continue;
            uint256 uid = word & 0xffff;
            uint256 lastUpdate = (word >> V_UPDATE_SHIFT) & MASK64;
            uint256 sum = (word >> V_SUM_SHIFT) & MASK32;
            uint256 mask = (word >> V_SLOTS_SHIFT) & 0xffff;
            uint256[16] storage row = st.weights[uint16(uid)];
            for (uint256 t = 0; t < slots; ++t) {
                if ((mask >> t) & 1 == 0 || latest[t] < lastUpdate) continue;
                // invariant: each dropped entry is one of the summed ones (the self-weight is not)
                sum -= _outdated(row[t], reg, t, lastUpdate, uid);
            }
            st.validators[k] = (word & ~((MASK32 << V_SUM_SHIFT) | (1 << V_STALE_BIT))) | (sum << V_SUM_SHIFT);
            uint256 r = _record(p, k);
            _put(r, R_SUM, sum);
            if (sum == 0) _put(r, R_WBASE, 0);
        }
    }

    /// @dev Sum of the lanes of slot t's weights word registered at or after `lastUpdate`, the own UID excepted.
    function _outdated(uint256 packed, uint256[] memory reg, uint256 t, uint256 lastUpdate, uint256 uid)
        private
        pure
        returns (uint256 total)
    {
        assembly ("memory-safe") {
            let base := add(add(reg, 32), shl(9, t))
            let own := sub(uid, shl(4, t)) // the own lane (or >= 16: not in this slot)
            for { let l := 0 } lt(l, 16) { l := add(l, 1) } {
                if iszero(lt(mload(add(base, shl(5, l))), lastUpdate)) {
                    if iszero(eq(l, own)) { total := add(total, and(shr(shl(4, l), packed), 0xffff)) }
                }
            }
        }
    }

    /// @dev Liquid alpha needs some non-zero consensus to compare with (ALGORITHM.md step 9): the stored
    /// previous one, or (current, max) one of this epoch's columns, found by scanning slots for a column
    /// whose non-zero votes reach `need` (its consensus is then non-zero).
    function _liquidInEffect(SubnetState storage st, PassFrame memory p, uint256 mode) private view returns (bool) {
        uint256 slots = (p.n + 15) >> 4;
        if (mode != 1) {
            for (uint256 t = 0; t < slots; ++t) if (st.consensusU16[t] != 0) return true;
            if (mode == 2) return false;
        }
        for (uint256 t = 0; t < slots; ++t) {
            _at(p, t);
            EpochColumns.loadSlot(st, p, false);
            if (EpochColumns.anyConsensus(p)) return true;
        }
        return false;
    }

    function _liquidSetup(PassFrame memory p, Params memory prm) private pure {
        p.mode = _mode(prm);
        p.alphaLow = prm.alphaLow;
        p.alphaSpan = prm.alphaHigh - prm.alphaLow;
        p.steepness = prm.alphaSteepness;
        p.sigmoidZero = EpochBondsLiquid.sigmoidOfDiff(0, prm.alphaSteepness);
    }

    /// @dev Column slot t: weights and bonds read, then lane by lane the normalised weights and votes, the
    /// consensus, the bonds and the rank; then each row's bonds and income, the consensus and ranks
    /// stored. Returns false, having written nothing, when a lane's bound did not fit the gas left.
    function _slot(SubnetState storage st, PassFrame memory p, uint256 t, uint256 reserve) private returns (bool) {
        _at(p, t);
        EpochColumns.loadSlot(st, p, true);
        uint256 lanes = p.lanes;
        // the last epoch's consensus of each lane: the quantile's first guess (read before it is replaced)
        for (uint256 q = 0; q << 2 < lanes; ++q) {
            uint256 word = st.consensus[(t << 2) + q];
            for (uint256 i = 0; i < 4; ++i) _put(p.prevPtr, ((q << 2) + i) << 5, (word >> (i << 6)) & MASK64);
        }
        if (p.liquid != 0 && p.mode != 1) p.prevU16 = st.consensusU16[t];
        uint256 guard = passLaneBound(p.v, p.liquid != 0) +
            passFinishBound(p.v, p.firstWrites) +
            passEndBound(p.v, reserve);
        uint256 slotRank;
        for (uint256 col = 0; col < lanes; ++col) {
            if (gasleft() < guard) return false;
            slotRank += _lane(p, col);
        }
        p.rankTotal += slotRank;
        EpochBondsLanes.finishSlot(p);
        _storeSlot(st, p, t);
        return true;
    }

    /// @dev Lane `col` of the loaded slot: votes, consensus, bonds; keeps its consensus, rank (returned) and
    /// column sum in the frame.
    function _lane(PassFrame memory p, uint256 col) private pure returns (uint256 rank) {
        uint256 nonZero = EpochColumns.gatherLane(p, col, _get(p.prevPtr, col << 5));
        uint256 c = EpochColumns.laneConsensus(p, nonZero, col);
        _put(p.consPtr, col << 5, c);
        (uint256 rankSum, uint256 colSum) = p.liquid != 0
            ? EpochBondsLiquid.lane(p, col, c, _liquidConsensus(p, col, c))
            : EpochBondsLanes.lane(p, col, c);
        rank = rankSum / ONE;
        _put(p.rankPtr, col << 5, rank);
        _put(p.colSumPtr, col << 5, colSum);
    }

    /// @dev The consensus lane `col`'s liquid alpha compares with: current, previous (the stored u16 of the
    /// last epoch) or the larger.
    function _liquidConsensus(PassFrame memory p, uint256 col, uint256 c) private pure returns (uint256) {
        uint256 mode = p.mode;
        if (mode == 1) return c;
        uint256 pc = (((p.prevU16 >> (col << 4)) & 0xffff) * ONE) / U16;
        return mode == 2 || pc > c ? pc : c;
    }

    /// @dev The slot's consensus (u64 x 4 per word and u16 x 16) and ranks (u64 x 4), where they changed.
    function _storeSlot(SubnetState storage st, PassFrame memory p, uint256 t) private {
        uint256 lanes = p.lanes;
        uint256 u16Word;
        for (uint256 q = 0; q << 2 < lanes; ++q) {
            uint256 cWord;
            uint256 rWord;
            for (uint256 i = 0; i < 4 && (q << 2) + i < lanes; ++i) {
                uint256 col = (q << 2) + i;
                uint256 c = _get(p.consPtr, col << 5);
                // invariant: consensus and ranks are <= ONE < 2^64
                cWord |= c << (i << 6);
                rWord |= _get(p.rankPtr, col << 5) << (i << 6);
                u16Word |= ((c * U16 + HALF) / ONE) << (col << 4);
            }
            uint256 idx = (t << 2) + q;
            if (st.consensus[idx] != cWord) st.consensus[idx] = cWord;
            if (st.ranks[idx] != rWord) st.ranks[idx] = rWord;
        }
        if (st.consensusU16[t] != u16Word) st.consensusU16[t] = u16Word;
    }

    /// @dev Stores the income (u128 x 2 per word), the rank total and the cursor.
    function _finish(SubnetState storage st, EpochRun storage run, PassFrame memory p, uint256 t0, uint256 t, uint256 slots)
        private
    {
        uint256 v = p.v;
        for (uint256 k = 0; k < v; k += 2) {
            // invariant: T_k <= ONE^2 < 2^128
            uint256 word = _get(_record(p, k), R_T) | (k + 1 < v ? _get(_record(p, k + 1), R_T) << 128 : 0);
            if (t0 == 0 || st.bondIncome[k >> 1] != word) st.bondIncome[k >> 1] = word;
        }
        run.rankTotal = p.rankTotal;
        if (t >= slots) {
            run.cursor = 0;
            run.stage = STAGE_DIVIDENDS;
        } else {
            run.cursor = uint16(t);
        }
    }

    function _at(PassFrame memory p, uint256 t) private pure {
        p.t = t;
        uint256 left = p.n - (t << 4);
        p.lanes = left > 16 ? 16 : left;
    }

    function _mode(Params memory prm) private pure returns (uint256 mode) {
        mode = prm.consensusMode;
        if (mode == 0) mode = prm.bondsPenalty == ONE ? 2 : 1;
    }

    function _alloc(uint256 words) private pure returns (uint256 ptr) {
        uint256[] memory a = new uint256[](words);
        assembly ("memory-safe") {
            ptr := add(a, 32)
        }
    }

    function _record(PassFrame memory p, uint256 k) private pure returns (uint256) {
        return p.recPtr + k * R_SIZE;
    }

    /// @dev Writes the word at byte offset `off` from `ptr`.
    function _put(uint256 ptr, uint256 off, uint256 x) private pure {
        assembly ("memory-safe") {
            mstore(add(ptr, off), x)
        }
    }

    function _get(uint256 ptr, uint256 off) private pure returns (uint256 x) {
        assembly ("memory-safe") {
            x := mload(add(ptr, off))
        }
    }

    function _base(uint256[16] storage row) private pure returns (uint256 slot) {
        assembly ("memory-safe") {
            slot := row.slot
        }
    }
}
