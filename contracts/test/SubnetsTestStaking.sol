// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title SubnetsTestStaking
/// @notice TEST ONLY: the part of IStaking the subnet registry calls (`ownerOf`, `stakeOf`),
/// with open setters. Never deploy it outside tests.
contract SubnetsTestStaking {
    mapping(address hotkey => address) public ownerOf;
    mapping(address hotkey => uint256) public stakeOf;

    event OwnerSet(address indexed hotkey, address indexed owner);
    event StakeSet(address indexed hotkey, uint256 stake);

    /// @notice Sets the owner (coldkey) of each of `hotkeys` to `owner`.
    function setOwners(address[] calldata hotkeys, address owner) external {
        for (uint256 i = 0; i < hotkeys.length; ++i) {
            ownerOf[hotkeys[i]] = owner;
            emit OwnerSet(hotkeys[i], owner);
        }
    }

    /// @notice Sets the stake of each of `hotkeys[i]` to `stakes[i]`.
    function setStakes(address[] calldata hotkeys, uint256[] calldata stakes) external {
        for (uint256 i = 0; i < hotkeys.length; ++i) {
            stakeOf[hotkeys[i]] = stakes[i];
            emit StakeSet(hotkeys[i], stakes[i]);
        }
    }
}
