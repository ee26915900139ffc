// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Gas model of the PASS stage, for `v` validators. Two kinds of figures:
// - bounds (*Bound): true upper bounds of a part whatever the input (first-time storage writes,
//   adversarial votes for the quickselect, the longest e^-y series); a step checks them before each
//   column of a slot and abandons the slot (commits nothing of it) when the gas left may not cover the
//   rest, so that a transaction never runs out of gas part-way and no input can block an epoch;
// - plans (*Plan): what a slot costs at most in practice, to decide whether to start one (a slot
//   started but abandoned wastes its gas, so plans err on the high side).
// test/consensus/chunks.test.ts runs full 64 x 256 epochs (first bonds, liquid alpha) at several gas
// limits against them: every transaction under the cap, every slot once.

/// @dev A step's setup: validator words, parameters, the income so far (cold reads).
uint256 constant PASS_SETUP_GAS = 120_000;
uint256 constant PASS_SETUP_VALIDATOR_GAS = 6_000;
/// @dev A step's end: the income words (first writes), the rank total, the cursor.
uint256 constant PASS_END_GAS = 60_000;
uint256 constant PASS_END_VALIDATOR_GAS = 12_000;
/// @dev The first step's extras: the registration blocks (when some row sum is stale) and, per validator,
/// dropping outdated entries from its row sum (every slot of the row read) and the liquid-alpha check
/// for a non-zero consensus (every slot read).
uint256 constant PASS_PREPARE_GAS = 200_000;
uint256 constant PASS_STALE_VALIDATOR_GAS = 55_000;
uint256 constant PASS_SCAN_VALIDATOR_GAS = 60_000;

/// @dev Reading a slot: registrations, last consensus, and per validator its weights and bonds words.
uint256 constant PASS_LOAD_GAS = 30_000;
uint256 constant PASS_LOAD_VALIDATOR_GAS = 6_000;
/// @dev One column (lane), per validator: the normalised weight and vote, and the bond EMA; a typical
/// column (plan) and the bound (plus the quickselect's worst case).
uint256 constant PASS_LANE_VALIDATOR_PLAN = 900;
uint256 constant PASS_LANE_VALIDATOR_PLAN_LIQUID = 3_000;
uint256 constant PASS_LANE_VALIDATOR_BOUND = 1_400;
uint256 constant PASS_LANE_VALIDATOR_BOUND_LIQUID = 4_300;
/// @dev A slot's end: per validator its packed bonds and income (16 lanes) and its bonds write
/// (nonzero to nonzero; a first write costs PASS_FIRST_WRITE_GAS more), then 9 result words.
uint256 constant PASS_FINISH_GAS = 230_000;
uint256 constant PASS_FINISH_VALIDATOR_GAS = 8_000;
uint256 constant PASS_FIRST_WRITE_GAS = 17_100;

/// @notice Upper bound of YumaKernels.quantileAsc over at most `v` votes (12 partition rounds over all of
/// them, then an insertion sort of the rest), plus the buckets' scan.
function passQuantileBound(uint256 v) pure returns (uint256) {
    return 30 * v * v + 1_500 * v + 5_000;
}

/// @notice Upper bound of one column of a slot (gather, consensus, bonds).
function passLaneBound(uint256 v, bool liquid) pure returns (uint256) {
    return passQuantileBound(v) + v * (liquid ? PASS_LANE_VALIDATOR_BOUND_LIQUID : PASS_LANE_VALIDATOR_BOUND);
}

/// @notice Upper bound of a slot's end when `firstWrites` rows may write their bonds slot for the first time.
function passFinishBound(uint256 v, uint256 firstWrites) pure returns (uint256) {
    return PASS_FINISH_GAS + v * PASS_FINISH_VALIDATOR_GAS + firstWrites * PASS_FIRST_WRITE_GAS;
}

/// @notice Upper bound of a step's end, and the gas a step keeps for its caller.
function passEndBound(uint256 v, uint256 reserve) pure returns (uint256) {
    return PASS_END_GAS + v * PASS_END_VALIDATOR_GAS + reserve;
}

/// @notice The gas a slot is started with (plan): its reads, 16 typical columns with the last one
/// bounded, its end with `firstWrites` first bonds writes, and the step's end, so that the columns'
/// checks pass.
function passSlotPlan(uint256 v, bool liquid, uint256 firstWrites, uint256 reserve) pure returns (uint256) {
    return
        PASS_LOAD_GAS +
        v *
        PASS_LOAD_VALIDATOR_GAS +
        15 *
        v *
        (liquid ? PASS_LANE_VALIDATOR_PLAN_LIQUID : PASS_LANE_VALIDATOR_PLAN) +
        passLaneBound(v, liquid) +
        passFinishBound(v, firstWrites) +
        passEndBound(v, reserve);
}
