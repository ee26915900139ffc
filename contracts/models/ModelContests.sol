// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title ModelContests
/// @notice Registration is first come, first served, and nothing proves who made a model: anyone can hash
/// a published ONNX file and register it at the highest royalty. So a registration's royalties are frozen
/// (they accrue in billing, nobody can claim them, the model cannot change hands) for `challengePeriod`
/// after it is registered, and again while someone contests it. A contest costs a bond in NOOS; governance
/// (PARAMS_ROLE: the DAO timelock) resolves it: upheld, the model is reassigned with everything it accrued
/// and the bond goes back to the claimant; dismissed, the bond goes to the model's owner for the freeze.
/// Governance may also reassign a model nobody contested (`reassign`).
abstract contract ModelContests is AccessControl {
    using SafeERC20 for IERC20;

    /// @dev A pending contest.
    struct Contest {
        address claimant; // address(0): none
        uint96 bond;
    }

    bytes32 public constant PARAMS_ROLE = keccak256("PARAMS_ROLE");
    /// @notice Longest challenge period governance may set.
    uint64 public constant MAX_CHALLENGE_PERIOD = 90 days;

    /// @notice The token contest bonds are paid in (NOOS); address(0): contests are disabled.
    IERC20 public immutable bondToken;
    /// @notice NOOS a claimant locks to contest a model.
    uint96 public contestBond;
    /// @notice Seconds after registration during which a model's royalties cannot be claimed.
    uint64 public challengePeriod;
    mapping(bytes32 modelHash => Contest) private _contests;

    event ModelContested(bytes32 indexed modelHash, address indexed claimant, uint256 bond, string evidenceUri);
    event ContestResolved(bytes32 indexed modelHash, address indexed claimant, bool upheld, address owner);
    event ModelReassigned(bytes32 indexed modelHash, address indexed from, address indexed to, uint16 royaltyBps);
    event ContestTermsSet(uint96 contestBond, uint64 challengePeriod);

    error ModelsContestsDisabled();
    error ModelsAlreadyContested(bytes32 modelHash, address claimant);
    error ModelsNotContested(bytes32 modelHash);
    error ModelsContestPending(bytes32 modelHash);
    error ModelsFrozen(bytes32 modelHash, uint64 until);
    error ModelsChallengePeriodTooLong(uint64 challengePeriod, uint64 max);

    constructor(IERC20 bondToken_, uint96 contestBond_, uint64 challengePeriod_) {
        bondToken = bondToken_;
        _setContestTerms(contestBond_, challengePeriod_);
    }

    /// @notice Anyone: contests `modelHash`'s registration (the caller says it is the model's rightful
    /// owner, with evidence at `evidenceUri`), locking `contestBond` NOOS (after `approve`). Freezes the
    /// model's royalties and ownership until governance resolves the contest.
    function contest(bytes32 modelHash, string calldata evidenceUri) external {
        if (address(bondToken) == address(0)) revert ModelsContestsDisabled();
        _requireRegistered(modelHash);
        Contest memory c = _contests[modelHash];
        if (c.claimant != address(0)) revert ModelsAlreadyContested(modelHash, c.claimant);
        uint96 bond = contestBond;
        _contests[modelHash] = Contest(msg.sender, bond);
        emit ModelContested(modelHash, msg.sender, bond, evidenceUri);
        if (bond != 0) bondToken.safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @notice PARAMS_ROLE: ends the contest on `modelHash`. Upheld: the model (with the royalties billing
    /// accrued for it) goes to `newOwner` at `royaltyBps` and the claimant gets its bond back. Dismissed
    /// (`newOwner`, `royaltyBps` ignored): the bond goes to the model's owner.
    function resolveContest(
        bytes32 modelHash,
        bool upheld,
        address newOwner,
        uint16 royaltyBps
    ) external onlyRole(PARAMS_ROLE) {
        Contest memory c = _contests[modelHash];
        if (c.claimant == address(0)) revert ModelsNotContested(modelHash);
        delete _contests[modelHash];
        address bondTo = c.claimant;
        if (upheld) {
            _reassign(modelHash, newOwner, royaltyBps);
        } else {
            bondTo = _ownerOf(modelHash);
        }
        emit ContestResolved(modelHash, c.claimant, upheld, _ownerOf(modelHash));
        if (c.bond != 0) bondToken.safeTransfer(bondTo, c.bond);
    }

    /// @notice PARAMS_ROLE: gives an uncontested `modelHash` (with the royalties billing accrued for it) to
    /// `newOwner` at `royaltyBps`.
    function reassign(bytes32 modelHash, address newOwner, uint16 royaltyBps) external onlyRole(PARAMS_ROLE) {
        if (_contests[modelHash].claimant != address(0)) revert ModelsContestPending(modelHash);
        _reassign(modelHash, newOwner, royaltyBps);
    }

    /// @notice PARAMS_ROLE: the contest bond and the challenge period (at most MAX_CHALLENGE_PERIOD).
    function setContestTerms(uint96 contestBond_, uint64 challengePeriod_) external onlyRole(PARAMS_ROLE) {
        _setContestTerms(contestBond_, challengePeriod_);
    }

    /// @notice The pending contest on `modelHash` (claimant address(0): none).
    function contestOf(bytes32 modelHash) external view returns (address claimant, uint256 bond) {
        Contest memory c = _contests[modelHash];
        return (c.claimant, c.bond);
    }

    /// @dev Whether `modelHash`'s royalties may be claimed (and the model handed on) now: registered, past
    /// its challenge period and not contested. 0 when not frozen; type(uint64).max while contested; else the end of the challenge period.
    function _frozenUntil(bytes32 modelHash) internal view returns (uint64) {
        if (_contests[modelHash].claimant != address(0)) return type(uint64).max;
        uint64 registeredAt = _registeredAt(modelHash);
        if (registeredAt == 0) return type(uint64).max;
        uint64 end = registeredAt + challengePeriod;
        return block.timestamp < end ? end : 0;
    }

    function _requireNotFrozen(bytes32 modelHash) internal view {
        uint64 until = _frozenUntil(modelHash);
        if (until != 0) revert ModelsFrozen(modelHash, until);
    }

    function _setContestTerms(uint96 contestBond_, uint64 challengePeriod_) internal {
        if (challengePeriod_ > MAX_CHALLENGE_PERIOD) {
            revert ModelsChallengePeriodTooLong(challengePeriod_, MAX_CHALLENGE_PERIOD);
        }
        contestBond = contestBond_;
        challengePeriod = challengePeriod_;
        emit ContestTermsSet(contestBond_, challengePeriod_);
    }

    /// @dev The registry's side: reverts unless `modelHash` is registered.
    function _requireRegistered(bytes32 modelHash) internal view virtual;

    /// @dev The registry's side: registration timestamp (0: unknown model).
    function _registeredAt(bytes32 modelHash) internal view virtual returns (uint64);

    function _ownerOf(bytes32 modelHash) internal view virtual returns (address);

    /// @dev The registry's side: sets owner and royalty, tells billing to move the accrued royalty along.
    function _reassign(bytes32 modelHash, address newOwner, uint16 royaltyBps) internal virtual;
}
