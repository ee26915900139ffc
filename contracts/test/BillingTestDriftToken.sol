// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {BillingTestToken} from "./BillingTestToken.sol";

/// @title BillingTestDriftToken
/// @notice TEST ONLY. A token whose `burn` can be made to burn one unit too many, to prove that Billing
/// refuses a settlement that moves its balance by anything but what it burned.
contract BillingTestDriftToken is BillingTestToken {
    bool public drift;

    constructor(address admin) BillingTestToken(admin) {}

    /// @notice Turns the faulty burn on or off.
    function setDrift(bool on) external {
        drift = on;
    }

    /// @inheritdoc ERC20Burnable
    function burn(uint256 value) public override {
        super.burn(drift ? value + 1 : value);
    }
}
