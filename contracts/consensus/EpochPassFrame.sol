// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Working set of one PASS step in memory, shared by EpochConsensusLib and its kernels
/// (EpochColumns, EpochBondsLanes, EpochBondsLiquid). Fields named `*Ptr` hold memory addresses.
/// @dev A column slot is processed lane by lane (column by column): the kernels walk the slot's list of
/// active validator records (rows with weights or bonds in the slot), so a lane's constants stay on the
/// stack and each record's fields sit at fixed offsets (R_*).
struct PassFrame {
    uint256 v; // validators (rows)
    uint256 n; // UIDs
    uint256 voterStake; // VS: sum of s_k over the validators with s_k > 0 (rows or not)
    uint256 need; // VS x (ONE - kappa) / ONE + 1: the stake a quantile's prefix reaches
    uint256 alpha; // fixed EMA rate (ONE - bondsMovingAverage)
    uint256 penalty; // bondsPenalty
    uint256 liquid; // 1: liquid alpha in effect
    uint256 alphaLow;
    uint256 alphaSpan; // alphaHigh - alphaLow
    uint256 steepness;
    uint256 sigmoidZero; // the sigmoid at diff 0 (the common case), precomputed
    uint256 mode; // consensus liquid alpha compares with: 1 current, 2 previous, 3 max
    uint256 lastTempo; // lanes registered at or after it are fresh (their old bonds restart at 0)
    uint256 seed; // quickselect pivots
    uint256 recPtr; // validator records, R_SIZE bytes each, in validator order
    uint256 activePtr; // record addresses of the slot's rows with weights or bonds
    uint256 activeCount;
    uint256 firstWrites; // active rows of the slot whose stored bonds word is 0 (a bonds write may be a first)
    uint256 bucketPtr; // the vote buckets (B_*): x << 128 | s_k per vote
    uint256 rankTotal; // sum of ranks (fixed) so far
    // the slot being processed (UIDs 16 t + lane)
    uint256 t;
    uint256 lanes; // lanes below n (16 except in the last slot)
    uint256 fresh; // bit l: lane l registered within the last tempo
    uint256 maxReg; // latest registration among the lanes
    uint256 regPtr; // 16 words: registration block per lane
    uint256 consPtr; // 16 words: this epoch's consensus per lane
    uint256 prevPtr; // 16 words: the last epoch's consensus per lane (fixed), the quantile's guess
    uint256 rankPtr; // 16 words: rank per lane (fixed)
    uint256 colSumPtr; // 16 words: sum of the lane's new bonds
    uint256 prevU16; // the slot's stored u16 consensus word (liquid alpha's "previous")
}

// Validator record (PassFrame.recPtr + k x R_SIZE): per-slot fields, the step's constants, then the
// slot's 16 new bonds.
uint256 constant R_SIZE = 0x360;
uint256 constant R_W = 0x00; // the slot's masked weights word
uint256 constant R_O = 0x20; // the slot's stored bonds word
uint256 constant R_S = 0x40; // s_k, active stake share
uint256 constant R_SUM = 0x60; // masked row sum (0: no usable row)
uint256 constant R_X = 0x80; // the lane's normalised weight x = raw x ONE / row sum
uint256 constant R_T = 0xa0; // bond income T_k so far
uint256 constant R_INFO = 0xc0; // uid | lastUpdate << 16 | keep << 80 | row's slot mask << 96
uint256 constant R_WBASE = 0xe0; // storage slot of weights[uid][0] (0: no usable row)
uint256 constant R_BBASE = 0x100; // storage slot of bonds[uid][0]
uint256 constant R_NB = 0x160; // 16 words: the slot's new bonds, by lane

// The vote buckets (PassFrame.bucketPtr): 16 words (address of the next free entry << 128 | stake), then
// 16 lists of MAX_VALIDATORS votes (0x800 bytes) each: a column has at most one vote per validator, and
// EpochConsensusLib refuses more than MAX_VALIDATORS validators.
uint256 constant B_LISTS = 0x200;
uint256 constant B_WORDS = 0x410; // 16 + 16 x 64

// Fields of R_INFO.
uint256 constant I_UPDATE_SHIFT = 16;
uint256 constant I_KEEP_SHIFT = 80;
uint256 constant I_SLOTS_SHIFT = 96;
