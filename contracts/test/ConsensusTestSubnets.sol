// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ISubnets} from "../interfaces/ISubnets.sol";

/// @notice Test double for SubnetRegistry in the consensus tests only: subnets and neurons set by the test.
contract ConsensusTestSubnets is AccessControl {
    bytes32 public constant EPOCH_ROLE = keccak256("EPOCH_ROLE");

    error SubnetsNotRegistered(uint16 netuid, address hotkey);

    mapping(uint16 netuid => ISubnets.SubnetParams) internal _params;
    mapping(uint16 netuid => address) public subnetOwner;
    mapping(uint16 netuid => uint16) public neuronCount;
    mapping(uint16 netuid => mapping(uint16 uid => address)) public hotkeyOf;
    mapping(uint16 netuid => mapping(uint16 uid => uint64)) public registeredAt;
    mapping(uint16 netuid => mapping(address hotkey => uint16)) internal _uidPlusOne;
    mapping(uint16 netuid => mapping(uint16 uid => uint256)) public emissionOf;
    /// @notice Bumped by every change of a hotkey or a registration block (as the registry's registrations).
    mapping(uint16 netuid => uint64) public registrationCount;

    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Test only: creates or updates a subnet.
    function setSubnet(uint16 netuid, address owner, uint32 tempo, uint16 maxUids, uint16 maxValidators, uint256 minStake)
        external
    {
        subnetOwner[netuid] = owner;
        ISubnets.SubnetParams storage p = _params[netuid];
        p.taskId = "test";
        p.tempo = tempo;
        p.maxUids = maxUids;
        p.maxValidators = maxValidators;
        p.minValidatorStake = minStake;
    }

    /// @notice Test only: registers `hotkeys` at the next UIDs, or replaces the holder of `uid` when below the count.
    function register(uint16 netuid, address[] calldata hotkeys) external {
        for (uint256 i = 0; i < hotkeys.length; ++i) _place(netuid, neuronCount[netuid]++, hotkeys[i]);
    }

    /// @notice Test only: replaces the holder of `uid` by `hotkey` (a prune and re-registration).
    function replace(uint16 netuid, uint16 uid, address hotkey) external {
        _uidPlusOne[netuid][hotkeyOf[netuid][uid]] = 0;
        _place(netuid, uid, hotkey);
    }

    /// @notice Test only: sets the registration block of `uid`.
    function setRegisteredAt(uint16 netuid, uint16[] calldata uids, uint64[] calldata blocks) external {
        for (uint256 i = 0; i < uids.length; ++i) registeredAt[netuid][uids[i]] = blocks[i];
        ++registrationCount[netuid];
    }

    /// @notice Whether `netuid` was set up (a non-zero tempo).
    function subnetExists(uint16 netuid) external view returns (bool) {
        return _params[netuid].tempo != 0;
    }

    /// @notice Every UID at once: hotkey, registration block, last recorded emission.
    function neurons(uint16 netuid)
        external
        view
        returns (address[] memory hotkeys, uint64[] memory registeredAts, uint256[] memory lastEmissions)
    {
        uint16 n = neuronCount[netuid];
        hotkeys = new address[](n);
        registeredAts = new uint64[](n);
        lastEmissions = new uint256[](n);
        for (uint16 uid = 0; uid < n; ++uid) {
            hotkeys[uid] = hotkeyOf[netuid][uid];
            registeredAts[uid] = registeredAt[netuid][uid];
            lastEmissions[uid] = emissionOf[netuid][uid];
        }
    }

    /// @notice The subnet's parameters.
    function params(uint16 netuid) external view returns (ISubnets.SubnetParams memory) {
        return _params[netuid];
    }

    /// @notice Whether `hotkey` holds a UID on `netuid`.
    function isRegistered(uint16 netuid, address hotkey) external view returns (bool) {
        return _uidPlusOne[netuid][hotkey] != 0;
    }

    /// @notice The UID of `hotkey` (reverts SubnetsNotRegistered when it has none).
    function uidOf(uint16 netuid, address hotkey) external view returns (uint16) {
        uint16 u = _uidPlusOne[netuid][hotkey];
        if (u == 0) revert SubnetsNotRegistered(netuid, hotkey);
        return u - 1;
    }

    /// @notice Records each UID's emission of the last epoch.
    function recordEmission(uint16 netuid, uint16[] calldata uids, uint256[] calldata amounts)
        external
        onlyRole(EPOCH_ROLE)
    {
        for (uint256 i = 0; i < uids.length; ++i) emissionOf[netuid][uids[i]] = amounts[i];
    }

    function _place(uint16 netuid, uint16 uid, address hotkey) private {
        ++registrationCount[netuid];
        hotkeyOf[netuid][uid] = hotkey;
        registeredAt[netuid][uid] = uint64(block.number);
        _uidPlusOne[netuid][hotkey] = uid + 1;
    }
}
