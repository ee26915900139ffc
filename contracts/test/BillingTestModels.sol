// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IModels} from "../interfaces/IModels.sol";

/// @title BillingTestModels
/// @notice TEST ONLY. A model registry that answers whatever it is told, including royalties above what the
/// real registry allows, to prove Billing's own cap on the royalty share.
contract BillingTestModels is IModels {
    mapping(bytes32 modelHash => address) public owners;
    mapping(bytes32 modelHash => uint16) public royalties;

    /// @notice Sets the answer for `modelHash`.
    function set(bytes32 modelHash, address owner, uint16 royaltyBps) external {
        owners[modelHash] = owner;
        royalties[modelHash] = royaltyBps;
    }

    /// @inheritdoc IModels
    function royaltyOf(bytes32 modelHash) external view returns (address owner, uint16 royaltyBps) {
        return (owners[modelHash], royalties[modelHash]);
    }
}
