// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Types and layout shared by the consensus contract and its epoch libraries (which run by
// DELEGATECALL on the contract's storage). Arithmetic follows packages/yuma/ALGORITHM.md.

/// @dev Fixed point of the epoch: 1.0 == 10^18.
uint256 constant ONE = 1e18;
uint256 constant HALF = 5e17;
/// @dev floor(ln 2 x 10^18).
uint256 constant LN2 = 693_147_180_559_945_309;
/// @dev Scale of stored weights, bonds and consensus (65,535 == 1.0).
uint256 constant U16 = 65_535;
uint256 constant MAX_UIDS = 256;
uint256 constant MAX_VALIDATORS = 64;
uint256 constant OWNER_CUT_BPS = 1_800;
uint256 constant BPS = 10_000;

// Epoch stages.
uint8 constant STAGE_IDLE = 0;
uint8 constant STAGE_PASS = 1; // chunks of column slots: consensus, ranks, bonds, bond income in one pass
uint8 constant STAGE_DIVIDENDS = 2; // one step
uint8 constant STAGE_PAY = 3; // chunks of UIDs: pay and record

// Validator word (SubnetState.validators[k], k-th permit holder in UID order).
uint256 constant V_STAKE_SHIFT = 16; // u96 active stake S (tokens; 0 unless active)
uint256 constant V_SUM_SHIFT = 112; // u32 row sum without self-weight and outdated entries (0: no usable row)
uint256 constant V_UPDATE_SHIFT = 144; // u64 last update: the row's block, or the registration block
uint256 constant V_ROW_BIT = 208; // the current holder revealed a row
uint256 constant V_PERMIT_BIT = 209; // permit for the next epoch: its bonds are kept
uint256 constant V_ACTIVE_BIT = 210; // active (last update within the activity cutoff)
uint256 constant V_SLOTS_SHIFT = 211; // u16: bit t set when the row's slot t holds a non-zero weight
uint256 constant V_STALE_BIT = 227; // the row sum still counts outdated entries (the first PASS step drops them)
uint256 constant MASK32 = 0xffffffff;
uint256 constant MASK64 = 0xffffffffffffffff;
uint256 constant MASK96 = 0xffffffffffffffffffffffff;
uint256 constant MASK128 = 0xffffffffffffffffffffffffffffffff;

/// @notice Per-subnet Yuma and weights parameters (fixed point at 10^18 where fractional).
struct Params {
    bool configured; // false: the defaults apply
    uint64 kappa; // majority that sets consensus (0.5)
    uint64 bondsMovingAverage; // bond EMA memory; rate = 1 - this (0.9)
    uint64 bondsPenalty; // 1: bonds follow clipped weights, 0: raw weights (1)
    bool liquidAlpha; // per-pair EMA rate from a sigmoid (false)
    uint64 alphaLow; // lowest liquid rate (0.7)
    uint64 alphaHigh; // highest liquid rate (0.9)
    uint16 alphaSteepness; // sigmoid slope, Bittensor units (1000)
    uint8 consensusMode; // liquid alpha compares with: 0 auto, 1 current, 2 previous, 3 max
    uint32 activityCutoff; // blocks a row counts after its reveal (5000)
    uint32 weightsRateLimit; // blocks between two commits of one validator (100)
    uint16 maxWeight; // largest share of one weight in a row, of 65,535 (65,535: no limit)
    uint64 versionKey; // lowest version key a reveal may carry (0)
}

/// @notice A validator's pending commitment.
struct Commit {
    bytes32 hash;
    uint64 epoch; // epoch number when committed: the reveal belongs to epoch + 1
    uint64 commitBlock; // for the rate limit
}

/// @notice Metadata of a validator's latest revealed row (one slot).
struct RowMeta {
    uint64 setBlock; // block of the reveal (the row's "last update")
    uint64 holderRegisteredAt; // registration block of the revealing hotkey: the row dies with it
    uint32 sum; // sum of the row's u16 weights
    uint16 span; // slots written (16 UIDs each)
    uint16 slots; // bit t: slot t holds a non-zero weight (epochs skip the others)
    uint16 ownWeight; // the row's weight on its own UID (in `sum`; every epoch drops it)
}

/// @notice The running (or last) epoch: a state machine with a cursor.
struct EpochRun {
    uint64 number; // epochs started, the running one included
    uint64 startBlock; // the epoch's block: every stage computes as of it
    uint32 tempo; // snapshot of the subnet's tempo
    uint16 n; // UIDs in the snapshot
    uint8 v; // permit holders this epoch (rows processed)
    uint8 stage;
    uint16 cursor; // PASS: next column slot; PAY: next UID
    bool liquid; // liquid alpha in effect this epoch (set by the first PASS step)
    bool stale; // some validator word's row sum still counts outdated entries (V_STALE_BIT)
    uint256 permits; // permits computed at the start: in force next epoch (bit u = UID u)
    uint256 inForce; // permits in force this epoch
    uint256 activeTotal; // AT: active permitted stake (tokens)
    uint256 stakeTotal; // ST: filtered stake of every UID (tokens)
    uint256 rankTotal; // RT: sum of ranks (fixed point, <= ONE)
    uint256 incentiveTotal; // sum of incentives (DIVIDENDS)
    uint256 scoreTotal; // sum of incentives and dividends
    uint256 xTotal; // sum of the dividend weights X
    uint256 pool; // tokens of this epoch: pulled emission + carried dust
    uint256 ownerCut; // 18% of the pool
    uint256 emission; // E = pool - ownerCut, for miners and validators
    uint256 paid; // paid to miners and validators so far
    Params params; // parameters snapshot
}

/// @notice Totals of the last finished epoch.
struct EpochResult {
    uint64 number;
    uint64 startBlock;
    uint64 endBlock;
    uint16 n;
    uint256 ownerCut;
    uint256 emission;
    uint256 paid;
    uint256 carried;
}

/// @notice The registry state the hotkey and registration snapshot is a copy of.
struct NeuronSnapshot {
    uint64 registrations; // the registry's registrationCount when copied (unchanged: the copy is current)
    uint16 n; // UIDs copied
}

/// @notice Everything the consensus contract keeps per subnet.
struct SubnetState {
    Params params;
    EpochRun run;
    EpochResult result;
    uint256 carry; // tokens held for the next epoch (dust, unpaid shares)
    mapping(uint16 uid => Commit) commits;
    mapping(uint16 uid => RowMeta) rowMeta;
    // Rows of u16 packed 16 per slot: slot t holds UIDs 16t..16t+15, UID 16t+l in bits 16l..16l+15.
    mapping(uint16 uid => uint256[16]) weights;
    mapping(uint16 uid => uint256[16]) bonds;
    NeuronSnapshot snapshot; // what the hotkeys and registration blocks below were copied from
    uint256[160] hotkeys; // snapshot: hotkey per UID (payouts), 20 bytes each (HotkeySnapshot)
    uint256[64] registered; // snapshot: registration block per UID, u64 x 4
    uint256[64] validators; // validator words
    uint256[64] consensus; // consensus per UID (fixed), u64 x 4
    uint256[16] consensusU16; // consensus per UID as u16 (the next epoch's "previous consensus")
    uint256[64] ranks; // rank per UID (fixed, incentive = rank / rankTotal), u64 x 4
    uint256[32] bondIncome; // T per validator index (<= ONE^2), u128 x 2
    uint256[16] dividends; // dividends per validator index (fixed), u64 x 4
    uint256[128] stakeBasis; // filtered stake per UID, u128 x 2; written only when AT == 0
}
