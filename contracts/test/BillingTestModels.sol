// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IModels} from "../interfaces/IModels.sol";

/// @title BillingTestModels
/// @notice TEST ONLY. A model registry that answers whatever it is told, including royalties above what the
/// real registry allows, to prove Billing's own cap on the royalty share.
contract BillingTestModels is IModels {
    mapping(bytes32 modelHash => address) public owners;
    mapping(bytes32 modelHash => uint16) public royalties;
    mapping(bytes32 modelHash => bool) public frozen;

    /// @notice Sets the answer for `modelHash`.
    function set(bytes32 modelHash, address owner, uint16 royaltyBps) external {
        owners[modelHash] = owner;
        royalties[modelHash] = royaltyBps;
    }

    /// @notice Freezes (or thaws) `modelHash`'s royalty claims.
    function setFrozen(bytes32 modelHash, bool value) external {
        frozen[modelHash] = value;
    }

    /// @inheritdoc IModels
    function royaltyClaimable(bytes32 modelHash) external view returns (bool) {
        return !frozen[modelHash];
    }

    /// @inheritdoc IModels
    function royaltyOf(bytes32 modelHash) external view returns (address owner, uint16 royaltyBps) {
        return (owners[modelHash], royalties[modelHash]);
    }
}
