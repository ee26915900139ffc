// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IEmission} from "../interfaces/IEmission.sol";
import {INoosToken} from "../interfaces/INoosToken.sol";
import {HalvingSchedule} from "./HalvingSchedule.sol";

/// @title Emission
/// @notice Mints the NOOS block reward (halving by issuance, see HalvingSchedule) and books it to
/// subnets by governance-set shares in basis points; the unallocated part of every block goes to
/// the treasury. Accrual is lazy: `accrue()` mints every block since the last accrual at once.
/// @dev Accounting. `rewardIndex` is the reward of one full share (10,000 bps) summed over every
/// accrued block, i.e. everything this contract ever minted. A subnet with `bps` earns
/// (rewardIndex - snapshot) * bps / 10,000 since its snapshot; the fraction of a wei left by that
/// division is kept in the subnet's `remainder` and carried, so each subnet is credited exactly
/// floor(its real-valued entitlement). The contract mints to itself floor(amount * totalShares /
/// 10,000) per accrual, also carrying the fraction (`_sharesRemainder`), and the treasury receives
/// the rest. Hence treasury + held == minted exactly, held >= everything owed to subnets, and the
/// held excess is only the subnets' carried fractions (< 1 wei per subnet that ever had a share).
/// `issued` is token.totalSupply() at accrual time: burns delay halvings and billing mints count.
contract Emission is IEmission, AccessControl {
    using SafeERC20 for INoosToken;

    /// @dev One storage slot per subnet.
    struct SubnetAccount {
        uint16 bps; // share of each block's emission
        uint16 remainder; // carried numerator (< 10,000) of the next wei owed
        uint96 accrued; // settled, not yet pulled (< cap < 2^85)
        uint128 snapshot; // rewardIndex at the last settlement
    }

    /// @notice Role allowed to set emission shares (the DAO timelock).
    bytes32 public constant PARAMS_ROLE = keccak256("PARAMS_ROLE");
    /// @notice Role allowed to pull a subnet's emission (the epoch contract).
    bytes32 public constant DISTRIBUTOR_ROLE = keccak256("DISTRIBUTOR_ROLE");
    /// @notice A whole block's emission, in basis points.
    uint16 public constant MAX_BPS = 10_000;

    /// @notice The NOOS token (this contract needs its MINTER_ROLE).
    INoosToken public immutable token;
    /// @notice The token's cap, read once at deployment.
    uint256 public immutable cap;

    /// @notice Last block whose emission was minted (deployment block at first).
    uint64 public lastAccrualBlock;
    /// @notice Sum of all subnets' shares, in basis points (<= 10,000).
    uint16 public totalShares;
    uint16 private _sharesRemainder;
    /// @notice Reward of one full share (10,000 bps) summed over accrued blocks = total minted here.
    uint128 public rewardIndex;
    /// @notice Receives the unallocated part of every block's emission.
    address public treasury;
    mapping(uint16 netuid => SubnetAccount) private _accounts;

    /// @notice Blocks (fromBlock, toBlock] were accrued: `amount` minted, split as shown.
    event EmissionAccrued(uint256 fromBlock, uint256 toBlock, uint256 amount, uint256 toSubnets, uint256 toTreasury);
    /// @notice `netuid`'s share changed from `oldBps` to `newBps`; all shares now sum to `totalBps`.
    event EmissionShareSet(uint16 indexed netuid, uint16 oldBps, uint16 newBps, uint16 totalBps);
    /// @notice `amount` accrued to `netuid` was transferred to `to`.
    event EmissionPulled(uint16 indexed netuid, address indexed to, uint256 amount);
    /// @notice The treasury changed.
    event EmissionTreasurySet(address indexed oldTreasury, address indexed newTreasury);

    /// @notice Shares would sum to `total` basis points, more than 10,000.
    error EmissionSharesExceed(uint256 total);
    /// @notice A required address (token, admin or treasury) was zero.
    error EmissionZeroAddress();

    /// @param token_ The NOOS token.
    /// @param admin Receives DEFAULT_ADMIN_ROLE (grants PARAMS_ROLE and DISTRIBUTOR_ROLE).
    /// @param treasury_ Receives the unallocated emission.
    constructor(INoosToken token_, address admin, address treasury_) {
        if (address(token_) == address(0) || admin == address(0) || treasury_ == address(0)) {
            revert EmissionZeroAddress();
        }
        token = token_;
        cap = token_.cap();
        treasury = treasury_;
        lastAccrualBlock = SafeCast.toUint64(block.number);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        emit EmissionTreasurySet(address(0), treasury_);
    }

    /// @notice Reward per block for a given issuance: 1e18 >> k, k = floor(log2(cap / (cap - issued))),
    /// capped at cap - issued; 0 at the cap.
    /// @param issued Total supply the reward is computed for.
    function blockReward(uint256 issued) external view returns (uint256) {
        return HalvingSchedule.rewardAt(cap, issued);
    }

    /// @notice Mints the emission of every block since the last accrual and books it to subnets
    /// (the unallocated part is minted to the treasury). Anyone may call.
    function accrue() external {
        _accrue();
    }

    /// @notice Transfers everything accrued to `netuid` to the caller (DISTRIBUTOR_ROLE).
    /// @param netuid The subnet.
    /// @return amount Tokens transferred (0 is allowed).
    function pull(uint16 netuid) external onlyRole(DISTRIBUTOR_ROLE) returns (uint256 amount) {
        _accrue();
        SubnetAccount storage account = _settle(netuid);
        amount = account.accrued;
        account.accrued = 0;
        emit EmissionPulled(netuid, msg.sender, amount);
        if (amount != 0) token.safeTransfer(msg.sender, amount);
    }

    /// @notice Sets `netuid`'s share of each block's emission (PARAMS_ROLE). Past blocks are booked
    /// with the old shares first.
    /// @param netuid The subnet.
    /// @param bps New share in basis points; all shares must sum to <= 10,000.
    function setEmissionShare(uint16 netuid, uint16 bps) external onlyRole(PARAMS_ROLE) {
        _accrue();
        SubnetAccount storage account = _settle(netuid);
        uint16 oldBps = account.bps;
        uint256 newTotal = uint256(totalShares) - oldBps + bps;
        if (newTotal > MAX_BPS) revert EmissionSharesExceed(newTotal);
        account.bps = bps;
        // newTotal <= MAX_BPS fits in uint16
        totalShares = uint16(newTotal);
        emit EmissionShareSet(netuid, oldBps, bps, uint16(newTotal));
    }

    /// @notice Sets the treasury (DEFAULT_ADMIN_ROLE). Blocks so far are accrued to the old one first.
    /// @param newTreasury The new treasury; not zero.
    function setTreasury(address newTreasury) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newTreasury == address(0)) revert EmissionZeroAddress();
        _accrue();
        address oldTreasury = treasury;
        treasury = newTreasury;
        emit EmissionTreasurySet(oldTreasury, newTreasury);
    }

    /// @notice Tokens accrued to `netuid` and not yet pulled, including blocks not yet accrued.
    /// @param netuid The subnet.
    function pendingEmission(uint16 netuid) external view returns (uint256) {
        (uint256 accrued, ) = _owed(_accounts[netuid], rewardIndex + unaccruedEmission());
        return accrued;
    }

    /// @notice `netuid`'s share of each block's emission, in basis points.
    /// @param netuid The subnet.
    function emissionShare(uint16 netuid) external view returns (uint16) {
        return _accounts[netuid].bps;
    }

    /// @notice Emission of the blocks since the last accrual, at the current supply (what `accrue()`
    /// would mint in this block).
    function unaccruedEmission() public view returns (uint256) {
        uint256 last = lastAccrualBlock;
        if (block.number <= last) return 0;
        return HalvingSchedule.emissionOver(cap, token.totalSupply(), block.number - last);
    }

    /// @dev The one path that mints: books blocks (lastAccrualBlock, block.number] and emits.
    function _accrue() internal {
        uint256 fromBlock = lastAccrualBlock;
        if (block.number <= fromBlock) return;
        uint256 amount = HalvingSchedule.emissionOver(cap, token.totalSupply(), block.number - fromBlock);
        uint256 numerator = amount * totalShares + _sharesRemainder;
        uint256 toSubnets = numerator / MAX_BPS;
        uint256 toTreasury = amount - toSubnets;
        lastAccrualBlock = SafeCast.toUint64(block.number);
        // numerator % MAX_BPS < 10,000 fits in uint16
        _sharesRemainder = uint16(numerator % MAX_BPS);
        // rewardIndex is the total minted here, bounded by the token cap (< 2^85)
        rewardIndex += SafeCast.toUint128(amount);
        emit EmissionAccrued(fromBlock, block.number, amount, toSubnets, toTreasury);
        if (toSubnets != 0) token.mint(address(this), toSubnets);
        if (toTreasury != 0) token.mint(treasury, toTreasury);
    }

    /// @dev Credits `netuid` with what it earned since its snapshot (call right after `_accrue`).
    function _settle(uint16 netuid) internal returns (SubnetAccount storage account) {
        account = _accounts[netuid];
        uint256 index = rewardIndex;
        (uint256 accrued, uint256 remainder) = _owed(account, index);
        account.accrued = SafeCast.toUint96(accrued);
        // remainder < MAX_BPS fits in uint16; index <= cap < 2^128
        account.remainder = uint16(remainder);
        account.snapshot = uint128(index);
    }

    /// @dev What `account` is owed at `index`: whole tokens and the carried numerator.
    function _owed(SubnetAccount memory account, uint256 index) internal pure returns (uint256, uint256) {
        uint256 numerator = (index - account.snapshot) * account.bps + account.remainder;
        return (account.accrued + numerator / MAX_BPS, numerator % MAX_BPS);
    }
}
