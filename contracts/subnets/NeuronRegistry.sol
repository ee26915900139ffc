// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IStaking} from "../interfaces/IStaking.sol";
import {RegistrationPrice} from "./RegistrationPrice.sol";
import {SubnetParamsStore} from "./SubnetParamsStore.sol";

/// @title NeuronRegistry
/// @notice UIDs of each subnet: registration for a burn, pruning of the weakest non-immune UID
/// when the subnet is full, the emission record pruning reads, and the axons neurons publish.
abstract contract NeuronRegistry is SubnetParamsStore {
    using SafeCast for uint256;

    struct NeuronSet {
        uint16 count; // UIDs in use: 0..count-1
        uint64 lastBurnBlock; // block at which lastBurnPrice was stored
        uint64 registrations; // registrations ever (new UIDs and replaced holders)
        uint256 lastBurnPrice; // price before decay; 0 until the first registration
    }


    /// @notice Role of the consensus contract: records each epoch's emission per UID.
    bytes32 public constant EPOCH_ROLE = keccak256("EPOCH_ROLE");
    /// @notice Upper bound of an axon's host length in bytes (a DNS name is at most 253).
    uint256 public constant MAX_HOST_LENGTH = 255;
    /// @dev A UID's state in its half of a `_states` slot: last emission (u88) and registration block (u40).
    uint256 private constant EMISSION_MASK = (1 << 88) - 1;
    uint256 private constant STATE_MASK = (1 << 128) - 1;

    /// @notice Staking: who owns a hotkey, how much stake backs it.
    IStaking public immutable staking;

    mapping(uint16 netuid => NeuronSet) private _sets;
    mapping(uint16 netuid => mapping(uint16 uid => address)) private _hotkeys;
    /// @dev Two UIDs per slot (UID 2p in the low 128 bits of pair p), each: the emission of the last epoch
    /// recorded by the consensus contract (u88: 3 x 10^26, above the supply cap) and its holder's
    /// registration block (u40) above it. An epoch's record of 256 UIDs rewrites 128 non-empty slots; a
    /// pruning scan reads 128.
    mapping(uint16 netuid => mapping(uint256 pair => uint256)) private _states;
    mapping(uint16 netuid => mapping(address hotkey => uint16)) private _uidPlusOne;
    mapping(uint16 netuid => mapping(uint16 uid => Axon)) private _axons;

    event NeuronRegistered(uint16 indexed netuid, uint16 indexed uid, address indexed hotkey, uint256 burned);
    event NeuronPruned(uint16 indexed netuid, uint16 indexed uid, address indexed oldHotkey);
    event BurnPriceUpdated(uint16 indexed netuid, uint256 lastPrice);
    event EmissionRecorded(uint16 indexed netuid, uint16[] uids, uint256[] amounts);
    event AxonServed(
        uint16 indexed netuid,
        uint16 indexed uid,
        address indexed hotkey,
        string host,
        uint16 port,
        string protocol,
        bytes32 modelHash
    );

    error SubnetsNotRegistered(uint16 netuid, address hotkey);
    error SubnetsAlreadyRegistered(uint16 netuid, address hotkey, uint16 uid);
    error SubnetsNotHotkeyOwner(address hotkey, address caller);
    error SubnetsBurnExceedsMax(uint16 netuid, uint256 price, uint256 maxBurn);
    error SubnetsAllImmune(uint16 netuid);
    error SubnetsUidOutOfRange(uint16 netuid, uint16 uid, uint16 count);
    error SubnetsLengthMismatch(uint256 uids, uint256 amounts);
    error SubnetsEmissionTooLarge(uint256 amount);
    error SubnetsEmptyHost();
    error SubnetsHostTooLong(uint256 length, uint256 max);
    error SubnetsInvalidPort(uint16 port);
    error SubnetsInvalidProtocol(string protocol);
    error SubnetsModelNotAllowed(uint16 netuid, bytes32 modelHash);

    constructor(IStaking staking_) {
        if (address(staking_) == address(0)) revert SubnetsZeroAddress();
        staking = staking_;
    }

    /// @notice Registers `hotkey` on `netuid`, burning the current registration price from the
    /// caller (approve this contract first). The caller must be the hotkey or its owner in Staking.
    /// A full subnet prunes its non-immune UID with the lowest emission of the last epoch (ties:
    /// the earliest registered, then the lowest UID), and the hotkey takes that UID.
    /// @param maxBurn Slippage guard: reverts if the price is above it.
    /// @return uid The hotkey's UID.
    function register(uint16 netuid, address hotkey, uint256 maxBurn) external returns (uint16 uid) {
        SubnetParams storage p = _paramsOf(netuid);
        if (hotkey == address(0)) revert SubnetsZeroAddress();
        if (msg.sender != hotkey && staking.ownerOf(hotkey) != msg.sender) {
            revert SubnetsNotHotkeyOwner(hotkey, msg.sender);
        }
        uint16 existing = _uidPlusOne[netuid][hotkey];
        if (existing != 0) revert SubnetsAlreadyRegistered(netuid, hotkey, existing - 1);

        uint256 price = _burnPrice(netuid, p);
        if (price > maxBurn) revert SubnetsBurnExceedsMax(netuid, price, maxBurn);
        _setBurnPrice(netuid, RegistrationPrice.next(price));

        NeuronSet storage set = _sets[netuid];
        uint16 count = set.count;
        ++set.registrations;
        if (count < p.maxUids) {
            uid = count;
            set.count = count + 1;
        } else {
            uid = _pruneCandidate(netuid, count, p.immunityPeriod);
            _removeNeuron(netuid, uid);
        }
        _addNeuron(netuid, uid, hotkey, price);
        if (price != 0) token.burnFrom(msg.sender, price);
    }

    /// @notice EPOCH_ROLE: records the emission of the last epoch of each listed UID (pruning
    /// removes the lowest). UIDs not listed keep their previous record.
    function recordEmission(
        uint16 netuid,
        uint16[] calldata uids,
        uint256[] calldata amounts
    ) external onlyRole(EPOCH_ROLE) subnetMustExist(netuid) {
        uint256 len = uids.length;
        if (len != amounts.length) revert SubnetsLengthMismatch(len, amounts.length);
        uint16 count = _sets[netuid].count;
        mapping(uint256 => uint256) storage pairs = _states[netuid];
        uint256 pair = type(uint256).max; // the pair being updated in `word` (none yet)
        uint256 word;
        for (uint256 i = 0; i < len; ++i) {
            uint256 uid = uids[i];
            uint256 amount = amounts[i];
            if (uid >= count) revert SubnetsUidOutOfRange(netuid, uint16(uid), count);
            if (amount > EMISSION_MASK) revert SubnetsEmissionTooLarge(amount);
            if (uid >> 1 != pair) {
                if (pair != type(uint256).max) pairs[pair] = word;
                pair = uid >> 1;
                word = pairs[pair];
            }
            uint256 shift = (uid & 1) << 7;
            word = (word & ~(EMISSION_MASK << shift)) | (amount << shift);
        }
        if (pair != type(uint256).max) pairs[pair] = word;
        emit EmissionRecorded(netuid, uids, amounts);
    }

    /// @notice Publishes the caller's endpoint on `netuid`; the caller must be a registered hotkey.
    /// @param host Host name or IP (non-empty, at most MAX_HOST_LENGTH bytes).
    /// @param port TCP port (non-zero).
    /// @param protocol "http" or "https".
    /// @param modelHash sha256 of the model served; must be allow-listed if the subnet restricts models.
    function serveAxon(
        uint16 netuid,
        string calldata host,
        uint16 port,
        string calldata protocol,
        bytes32 modelHash
    ) external {
        uint16 uid = uidOf(netuid, msg.sender);
        uint256 hostLength = bytes(host).length;
        if (hostLength == 0) revert SubnetsEmptyHost();
        if (hostLength > MAX_HOST_LENGTH) revert SubnetsHostTooLong(hostLength, MAX_HOST_LENGTH);
        if (port == 0) revert SubnetsInvalidPort(port);
        bytes32 protocolHash = keccak256(bytes(protocol));
        if (protocolHash != keccak256("http") && protocolHash != keccak256("https")) {
            revert SubnetsInvalidProtocol(protocol);
        }
        if (!isModelAllowed(netuid, modelHash)) revert SubnetsModelNotAllowed(netuid, modelHash);
        _axons[netuid][uid] = Axon({
            host: host,
            port: port,
            protocol: protocol,
            modelHash: modelHash,
            updatedBlock: uint64(block.number)
        });
        emit AxonServed(netuid, uid, msg.sender, host, port, protocol, modelHash);
    }

    /// @notice The registration burn price of `netuid` at this block.
    function burnPrice(uint16 netuid) external view returns (uint256) {
        return _burnPrice(netuid, _paramsOf(netuid));
    }

    /// @notice The stored (undecayed) price and the block it was stored at.
    function burnState(uint16 netuid) external view subnetMustExist(netuid) returns (uint256 lastPrice, uint64 lastBlock) {
        NeuronSet storage set = _sets[netuid];
        return (set.lastBurnPrice, set.lastBurnBlock);
    }

    /// @notice Number of UIDs in use (UIDs are 0..n-1).
    function neuronCount(uint16 netuid) external view subnetMustExist(netuid) returns (uint16) {
        return _sets[netuid].count;
    }

    /// @notice Registrations ever on `netuid` (new UIDs and replaced holders): while it is unchanged, so are
    /// the hotkeys and registration blocks neurons() returns (0 for a subnet that does not exist).
    function registrationCount(uint16 netuid) external view returns (uint64) {
        return _sets[netuid].registrations;
    }

    /// @notice The hotkey holding `uid` on `netuid`.
    function hotkeyOf(uint16 netuid, uint16 uid) external view returns (address) {
        _requireUid(netuid, uid);
        return _hotkeys[netuid][uid];
    }

    /// @notice UID of `hotkey` on `netuid`; reverts with SubnetsNotRegistered if it has none.
    function uidOf(uint16 netuid, address hotkey) public view subnetMustExist(netuid) returns (uint16) {
        uint16 uidPlusOne = _uidPlusOne[netuid][hotkey];
        if (uidPlusOne == 0) revert SubnetsNotRegistered(netuid, hotkey);
        return uidPlusOne - 1;
    }

    /// @notice Whether `hotkey` holds a UID on `netuid` (false for a subnet that does not exist).
    function isRegistered(uint16 netuid, address hotkey) external view returns (bool) {
        return _uidPlusOne[netuid][hotkey] != 0;
    }

    /// @notice Block at which the current holder of `uid` registered.
    function registeredAt(uint16 netuid, uint16 uid) external view returns (uint64) {
        _requireUid(netuid, uid);
        return uint64(_stateOf(netuid, uid) >> 88);
    }

    /// @notice Emission of `uid` in the last recorded epoch.
    function lastEmission(uint16 netuid, uint16 uid) external view returns (uint256) {
        _requireUid(netuid, uid);
        return _lastEmission(netuid, uid);
    }

    /// @notice The endpoint `uid` published (empty if it has not served one since registering).
    function axonOf(uint16 netuid, uint16 uid) external view returns (Axon memory) {
        _requireUid(netuid, uid);
        return _axons[netuid][uid];
    }

    /// @notice Every UID of `netuid` at once, indexed by UID: hotkey, registration block, last emission.
    function neurons(
        uint16 netuid
    )
        external
        view
        subnetMustExist(netuid)
        returns (address[] memory hotkeys, uint64[] memory registeredAts, uint256[] memory lastEmissions)
    {
        uint16 count = _sets[netuid].count;
        hotkeys = new address[](count);
        registeredAts = new uint64[](count);
        lastEmissions = new uint256[](count);
        mapping(uint16 => address) storage keys = _hotkeys[netuid];
        mapping(uint256 => uint256) storage pairs = _states[netuid];
        uint256 word;
        for (uint16 uid = 0; uid < count; ++uid) {
            hotkeys[uid] = keys[uid];
            if (uid & 1 == 0) word = pairs[uid >> 1];
            uint256 state = (word >> ((uid & 1) << 7)) & STATE_MASK;
            registeredAts[uid] = uint64(state >> 88);
            lastEmissions[uid] = state & EMISSION_MASK;
        }
    }

    /// @dev The hotkey at `uid`, unchecked (callers iterate 0..count-1).
    function _hotkeyAt(uint16 netuid, uint16 uid) internal view returns (address) {
        return _hotkeys[netuid][uid];
    }

    /// @dev UID `uid`'s 128-bit state: its registration block << 88 | its last emission.
    function _stateOf(uint16 netuid, uint256 uid) private view returns (uint256) {
        return (_states[netuid][uid >> 1] >> ((uid & 1) << 7)) & STATE_MASK;
    }

    function _lastEmission(uint16 netuid, uint256 uid) private view returns (uint256) {
        return _stateOf(netuid, uid) & EMISSION_MASK;
    }

    function _neuronCount(uint16 netuid) internal view override returns (uint16) {
        return _sets[netuid].count;
    }

    /// @dev Settles the decay under the old half-life before governance changes the parameters.
    /// The floor is not folded in, so a new floor (higher or lower) applies from this block.
    function _beforeParamsUpdate(uint16 netuid) internal override {
        NeuronSet storage set = _sets[netuid];
        uint256 decayed = RegistrationPrice.decay(
            set.lastBurnPrice,
            block.number - set.lastBurnBlock,
            _paramsOf(netuid).burnHalfLife
        );
        _setBurnPrice(netuid, decayed);
    }

    /// @dev The only writer of the burn state; emits BurnPriceUpdated.
    function _setBurnPrice(uint16 netuid, uint256 price) private {
        NeuronSet storage set = _sets[netuid];
        set.lastBurnPrice = price;
        set.lastBurnBlock = uint64(block.number);
        emit BurnPriceUpdated(netuid, price);
    }

    /// @dev Gives `uid` to `hotkey` with a fresh record; emits NeuronRegistered.
    function _addNeuron(uint16 netuid, uint16 uid, address hotkey, uint256 burned) private {
        _hotkeys[netuid][uid] = hotkey;
        uint256 shift = (uint256(uid) & 1) << 7;
        mapping(uint256 => uint256) storage pairs = _states[netuid];
        // a fresh state: this block (below 2^40 for some 30,000 years of 1-second blocks), no emission
        uint256 state = uint256(block.number.toUint40()) << 88;
        pairs[uid >> 1] = (pairs[uid >> 1] & ~(STATE_MASK << shift)) | (state << shift);
        // uid < MAX_UIDS = 256, so uid + 1 fits in uint16.
        _uidPlusOne[netuid][hotkey] = uid + 1;
        emit NeuronRegistered(netuid, uid, hotkey, burned);
    }

    /// @dev Takes `uid` from its holder and clears its axon; emits NeuronPruned.
    function _removeNeuron(uint16 netuid, uint16 uid) private {
        address oldHotkey = _hotkeys[netuid][uid];
        delete _uidPlusOne[netuid][oldHotkey];
        delete _axons[netuid][uid];
        emit NeuronPruned(netuid, uid, oldHotkey);
    }

    function _burnPrice(uint16 netuid, SubnetParams storage p) private view returns (uint256) {
        NeuronSet storage set = _sets[netuid];
        return
            RegistrationPrice.current(
                set.lastBurnPrice,
                block.number - set.lastBurnBlock,
                p.burnHalfLife,
                p.minBurn
            );
    }

    /// @dev The non-immune UID with the lowest last emission; ties: earliest registered, then
    /// lowest UID. Reverts with SubnetsAllImmune if every UID is within its immunity period.
    function _pruneCandidate(uint16 netuid, uint16 count, uint32 immunityPeriod) private view returns (uint16) {
        mapping(uint256 => uint256) storage pairs = _states[netuid];
        bool found;
        uint16 best;
        uint256 bestEmission;
        uint256 bestRegisteredAt;
        uint256 word;
        for (uint16 uid = 0; uid < count; ++uid) {
            if (uid & 1 == 0) word = pairs[uid >> 1];
            uint256 state = (word >> ((uid & 1) << 7)) & STATE_MASK;
            uint256 registered = state >> 88;
            // registeredAt <= block.number always, so the subtraction cannot underflow.
            if (block.number - registered <= immunityPeriod) continue;
            uint256 emission = state & EMISSION_MASK;
            if (
                !found ||
                emission < bestEmission ||
                (emission == bestEmission && registered < bestRegisteredAt)
            ) {
                found = true;
                best = uid;
                bestEmission = emission;
                bestRegisteredAt = registered;
            }
        }
        if (!found) revert SubnetsAllImmune(netuid);
        return best;
    }

    function _requireUid(uint16 netuid, uint16 uid) private view subnetMustExist(netuid) {
        uint16 count = _sets[netuid].count;
        if (uid >= count) revert SubnetsUidOutOfRange(netuid, uid, count);
    }
}
