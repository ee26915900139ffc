// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {INoosToken} from "../interfaces/INoosToken.sol";

/// @title BillingTestDriftToken
/// @notice TEST ONLY. A deliberately faulty token whose `burn` can be made to burn one unit too many,
/// to prove that Billing refuses a settlement that moves its balance by anything but what it burned.
/// Anyone may mint: it exists only for that test (the real NoosToken's burn is not overridable).
contract BillingTestDriftToken is ERC20Burnable, INoosToken {
    bool public drift;

    constructor(address) ERC20("Drift", "DRIFT") {}

    /// @notice Turns the faulty burn on or off.
    function setDrift(bool on) external {
        drift = on;
    }

    /// @notice Test-only open mint.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice The same cap as NOOS.
    function cap() external pure returns (uint256) {
        return 21_000_000e18;
    }

    /// @notice Burns one unit too many while `drift` is on.
    function burn(uint256 value) public override(ERC20Burnable, INoosToken) {
        super.burn(drift ? value + 1 : value);
    }

    /// @inheritdoc ERC20Burnable
    function burnFrom(address account, uint256 value) public override(ERC20Burnable, INoosToken) {
        super.burnFrom(account, value);
    }
}
