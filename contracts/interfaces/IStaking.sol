// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Stake on hotkeys with per-hotkey share pools; what the consensus and subnet contracts use.
interface IStaking {
    /// @notice The coldkey that owns `hotkey` (address(0) if the hotkey never registered with Staking).
    function ownerOf(address hotkey) external view returns (address);

    /// @notice Total stake backing `hotkey`: its pool's value (owner's and nominators' shares together).
    function stakeOf(address hotkey) external view returns (uint256);

    /// @notice stakeOf of every hotkey at once (one call for a whole subnet's snapshot).
    function stakesOf(address[] calldata hotkeys) external view returns (uint256[] memory);

    /// @notice Current take of `hotkey` on validator dividends, in basis points (max 1,800).
    function takeOf(address hotkey) external view returns (uint16);

    /// @notice REWARDER_ROLE: pays `hotkey` its epoch rewards, pulling incentive + dividends from the caller.
    /// Incentive (miner reward) is credited to the hotkey's owner; dividends pay the take to the owner
    /// and raise the value of the hotkey's share pool by the rest (nominators compound with no loop).
    function distribute(address hotkey, uint256 incentive, uint256 dividends) external;

    /// @notice REWARDER_ROLE: credits `amount` (pulled from the caller) to `account`'s claimable balance.
    function credit(address account, uint256 amount) external;

    /// @notice Tokens `account` may claim.
    function claimable(address account) external view returns (uint256);
}
