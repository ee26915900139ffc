// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IModels, IRoyaltyCache} from "../interfaces/IModels.sol";
import {BillingSettlement} from "./BillingSettlement.sol";

/// @title BillingRoyalties
/// @notice Model owners' share of billing's mint. The model registry is the source of truth; billing
/// keeps a copy of each model's owner and royalty next to the royalty it has accrued, so that a
/// redemption pays a royalty with one storage slot and no cross-contract call.
///
/// The copy is taken the first time a voucher names the model, and refreshed by `syncModel` — which the
/// registry calls itself whenever the owner changes the royalty or hands the model on, and which anyone
/// may call (e.g. after governance lowers the royalty cap). Royalties accrued before an owner's own change
/// stay with the previous owner; when governance reassigns a model (`reassignModel`, a squatter found
/// out) they go to the new owner. Claims wait while the registry freezes the model's royalties (a new or
/// contested registration). A voucher naming an unregistered model pays the royalty share to the
/// miner (and looks the registry up each time, so it costs that miner more gas).
abstract contract BillingRoyalties is BillingSettlement, IRoyaltyCache {
    /// @dev A model's owner and royalty as last read from the registry, and its unclaimed royalty.
    /// credit < 2^80 (1.2M NOOS): more spills into `_credits[owner]`.
    struct RoyaltyCache {
        address owner; // address(0): not cached
        uint16 royaltyBps;
        uint80 credit;
    }

    /// @notice The model registry that names each model's owner and royalty (address(0): no royalties).
    IModels public immutable models;

    mapping(bytes32 model => RoyaltyCache) internal _royalties;
    /// @dev Royalties owed to an account outside a model's cache (previous owners, spills).
    mapping(address account => uint256) internal _credits;

    event ModelSynced(bytes32 indexed model, address indexed owner, uint16 royaltyBps);

    error BillingNotModelOwner(bytes32 model, address caller, address owner);
    error BillingNotModelRegistry(address caller);
    error BillingRoyaltyFrozen(bytes32 model);

    constructor(IModels models_) {
        models = models_;
    }

    /// @inheritdoc IRoyaltyCache
    function syncModel(bytes32 model) external {
        RoyaltyCache memory cache = _royalties[model];
        (address owner, uint16 royaltyBps) = _lookUp(model);
        if (cache.owner != owner && cache.credit != 0) {
            _credits[cache.owner] += cache.credit;
            cache.credit = 0;
        }
        cache.owner = owner;
        cache.royaltyBps = royaltyBps;
        _royalties[model] = cache;
        emit ModelSynced(model, owner, royaltyBps);
    }

    /// @inheritdoc IRoyaltyCache
    function reassignModel(bytes32 model) external {
        if (msg.sender != address(models)) revert BillingNotModelRegistry(msg.sender);
        (address owner, uint16 royaltyBps) = _lookUp(model);
        RoyaltyCache storage cache = _royalties[model];
        cache.owner = owner;
        cache.royaltyBps = royaltyBps;
        emit ModelSynced(model, owner, royaltyBps);
    }

    /// @notice Model owner: mints to `to` the royalties accrued on `modelList` (models the caller owns in
    /// billing's copy, none frozen by the registry) plus any royalty credited to the caller outside them.
    function claimRoyalties(bytes32[] calldata modelList, address to) external returns (uint256 amount) {
        amount = _credits[msg.sender];
        _credits[msg.sender] = 0;
        for (uint256 i = 0; i < modelList.length; ++i) {
            RoyaltyCache storage cache = _royalties[modelList[i]];
            if (cache.owner != msg.sender) revert BillingNotModelOwner(modelList[i], msg.sender, cache.owner);
            if (!models.royaltyClaimable(modelList[i])) revert BillingRoyaltyFrozen(modelList[i]);
            amount += cache.credit;
            cache.credit = 0;
        }
        if (amount == 0) revert BillingNothingToClaim(msg.sender);
        _payOut(msg.sender, to, amount);
    }

    /// @notice Billing's copy of `model`'s owner and royalty, and the royalty it has accrued and not paid.
    function royaltyInfo(bytes32 model) external view returns (address owner, uint16 royaltyBps, uint256 accrued) {
        RoyaltyCache memory cache = _royalties[model];
        return (cache.owner, cache.royaltyBps, cache.credit);
    }

    /// @notice Royalties owed to `account` outside its models' accrued amounts (claimed with claimRoyalties).
    function creditOf(address account) external view returns (uint256) {
        return _credits[account];
    }

    /// @dev Credits `model`'s owner its royalty on `minted`; returns it (0: no registered model).
    function _accrueRoyalty(bytes32 model, uint256 minted, uint16 treasuryBps) internal returns (uint256 royalty) {
        if (model == bytes32(0)) return 0;
        RoyaltyCache memory cache = _royalties[model];
        if (cache.owner == address(0)) {
            (cache.owner, cache.royaltyBps) = _lookUp(model);
            if (cache.owner == address(0)) return 0;
            emit ModelSynced(model, cache.owner, cache.royaltyBps);
        }
        uint256 maxBps = BPS - treasuryBps;
        royalty = (minted * (cache.royaltyBps < maxBps ? cache.royaltyBps : maxBps)) / BPS;
        uint256 credit = cache.credit + royalty;
        if (credit > type(uint80).max) {
            _credits[cache.owner] += credit;
            credit = 0;
        }
        // credit <= type(uint80).max (spilled above otherwise)
        cache.credit = uint80(credit);
        _royalties[model] = cache;
    }

    function _lookUp(bytes32 model) internal view returns (address owner, uint16 royaltyBps) {
        if (address(models) == address(0)) return (address(0), 0);
        return models.royaltyOf(model);
    }
}
