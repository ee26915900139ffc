// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @notice Test double for Staking in the consensus tests only: stakes are set by the test, rewards are
/// pulled from the caller and booked per hotkey.
contract ConsensusTestStaking is AccessControl {
    bytes32 public constant REWARDER_ROLE = keccak256("REWARDER_ROLE");

    IERC20 public immutable token;
    mapping(address hotkey => uint256) public stakeOf;
    /// @dev Incentive + dividends paid to each hotkey (one slot, as cheap as the real Staking's booking).
    mapping(address hotkey => uint256) public earnedOf;
    mapping(address account => uint256) public claimable;

    constructor(IERC20 token_, address admin) {
        token = token_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Test only: sets the stake of each hotkey.
    function setStakes(address[] calldata hotkeys, uint256[] calldata amounts) external {
        for (uint256 i = 0; i < hotkeys.length; ++i) stakeOf[hotkeys[i]] = amounts[i];
    }

    /// @notice Test only: the stake of each hotkey at once.
    function stakesOf(address[] calldata hotkeys) external view returns (uint256[] memory out) {
        out = new uint256[](hotkeys.length);
        for (uint256 i = 0; i < hotkeys.length; ++i) out[i] = stakeOf[hotkeys[i]];
    }

    /// @notice Pays epoch rewards to many hotkeys with one transfer from the caller.
    function distributeBatch(
        address[] calldata hotkeys,
        uint256[] calldata incentives,
        uint256[] calldata dividends
    ) external onlyRole(REWARDER_ROLE) {
        uint256 total;
        for (uint256 i = 0; i < hotkeys.length; ++i) {
            earnedOf[hotkeys[i]] += incentives[i] + dividends[i];
            total += incentives[i] + dividends[i];
        }
        token.transferFrom(msg.sender, address(this), total);
    }

    /// @notice Credits `amount`, pulled from the caller, to `account`.
    function credit(address account, uint256 amount) external onlyRole(REWARDER_ROLE) {
        claimable[account] += amount;
        token.transferFrom(msg.sender, address(this), amount);
    }
}
