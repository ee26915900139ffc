// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IModels, IRoyaltyCache} from "../interfaces/IModels.sol";
import {ModelContests} from "./ModelContests.sol";

/// @title ModelRegistry
/// @notice The model marketplace: anyone registers an ONNX model by its sha256, with a URI, a license and a
/// royalty share (basis points of what billing mints when a miner serving the model is paid). Subnets
/// allow-list model hashes (SubnetRegistry.setModelAllowed); billing pays the royalty to the model's owner.
/// Registration proves nothing about authorship, so new registrations and contested ones have their
/// royalties frozen until governance could step in (ModelContests).
/// @dev Billing caches each model's owner and royalty; the registry tells it (`royaltyCache.syncModel`)
/// whenever an owner changes either, and `reassignModel` when governance reassigns a model. A lower
/// governance cap reaches the cache when anyone calls `syncModel` on Billing for the model (miners have
/// every reason to).
contract ModelRegistry is ModelContests, IModels {
    struct Model {
        address owner;
        uint16 royaltyBps;
        uint64 registeredAt; // block timestamp
        string uri;
        string license;
    }

    /// @notice Hard ceiling on the governance cap: a model never takes more than half of what billing mints.
    uint16 public constant ROYALTY_BPS_LIMIT = 5_000;

    /// @notice Governance cap on any model's royalty, in basis points (applied to existing models at once).
    uint16 public maxRoyaltyBps;
    /// @notice Number of models ever registered.
    uint256 public modelCount;
    /// @notice Told of every royalty or owner change (Billing); address(0): nobody.
    IRoyaltyCache public royaltyCache;
    mapping(bytes32 modelHash => Model) private _models;

    event ModelRegistered(
        bytes32 indexed modelHash,
        address indexed owner,
        string uri,
        string license,
        uint16 royaltyBps
    );
    event ModelUriSet(bytes32 indexed modelHash, string uri);
    event ModelRoyaltySet(bytes32 indexed modelHash, uint16 royaltyBps);
    event ModelOwnershipTransferred(bytes32 indexed modelHash, address indexed from, address indexed to);
    event MaxRoyaltySet(uint16 maxRoyaltyBps);
    event RoyaltyCacheSet(address royaltyCache);

    error ModelsZeroHash();
    error ModelsEmptyUri();
    error ModelsEmptyLicense();
    error ModelsZeroOwner();
    error ModelsAlreadyRegistered(bytes32 modelHash);
    error ModelsUnknown(bytes32 modelHash);
    error ModelsNotOwner(bytes32 modelHash, address caller, address owner);
    error ModelsRoyaltyTooHigh(uint16 royaltyBps, uint16 maxRoyaltyBps);
    error ModelsMaxRoyaltyTooHigh(uint16 maxRoyaltyBps, uint16 limit);

    modifier onlyModelOwner(bytes32 modelHash) {
        address owner = _models[modelHash].owner;
        if (owner == address(0)) revert ModelsUnknown(modelHash);
        if (owner != msg.sender) revert ModelsNotOwner(modelHash, msg.sender, owner);
        _;
    }

    /// @param admin Holder of DEFAULT_ADMIN_ROLE and PARAMS_ROLE (the deployer during setup, then the timelock).
    /// @param initialMaxRoyaltyBps Governance cap on royalties, at most ROYALTY_BPS_LIMIT.
    /// @param bondToken_ Token of contest bonds (NOOS); address(0) disables contests.
    /// @param contestBond_ Bond a contest locks.
    /// @param challengePeriod_ Seconds a new registration's royalties stay frozen.
    constructor(
        address admin,
        uint16 initialMaxRoyaltyBps,
        IERC20 bondToken_,
        uint96 contestBond_,
        uint64 challengePeriod_
    ) ModelContests(bondToken_, contestBond_, challengePeriod_) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PARAMS_ROLE, admin);
        _setMaxRoyalty(initialMaxRoyaltyBps);
    }

    /// @notice Registers the model whose ONNX file hashes (sha256) to `modelHash`, owned by the caller.
    /// @param modelHash sha256 of the ONNX file.
    /// @param uri Where to fetch it (https://, ipfs://, npm:...).
    /// @param license SPDX identifier or license URL.
    /// @param royaltyBps Share of billing's mint paid to the owner, at most `maxRoyaltyBps`.
    function register(bytes32 modelHash, string calldata uri, string calldata license, uint16 royaltyBps) external {
        if (modelHash == bytes32(0)) revert ModelsZeroHash();
        if (bytes(uri).length == 0) revert ModelsEmptyUri();
        if (bytes(license).length == 0) revert ModelsEmptyLicense();
        if (_models[modelHash].owner != address(0)) revert ModelsAlreadyRegistered(modelHash);
        _checkRoyalty(royaltyBps);
        _models[modelHash] = Model({
            owner: msg.sender,
            royaltyBps: royaltyBps,
            registeredAt: uint64(block.timestamp),
            uri: uri,
            license: license
        });
        ++modelCount;
        emit ModelRegistered(modelHash, msg.sender, uri, license, royaltyBps);
    }

    /// @notice Model owner: moves the model to a new URI (same bytes, same hash).
    function setUri(bytes32 modelHash, string calldata uri) external onlyModelOwner(modelHash) {
        if (bytes(uri).length == 0) revert ModelsEmptyUri();
        _models[modelHash].uri = uri;
        emit ModelUriSet(modelHash, uri);
    }

    /// @notice Model owner: sets the royalty share, at most `maxRoyaltyBps`.
    function setRoyalty(bytes32 modelHash, uint16 royaltyBps) external onlyModelOwner(modelHash) {
        _checkRoyalty(royaltyBps);
        _models[modelHash].royaltyBps = royaltyBps;
        emit ModelRoyaltySet(modelHash, royaltyBps);
        _notify(modelHash);
    }

    /// @notice Model owner: hands the model (and its future royalties) to `newOwner`; not while its
    /// royalties are frozen (challenge period or contest), so a frozen royalty cannot leave with the owner.
    function transferModelOwnership(bytes32 modelHash, address newOwner) external onlyModelOwner(modelHash) {
        if (newOwner == address(0)) revert ModelsZeroOwner();
        _requireNotFrozen(modelHash);
        _models[modelHash].owner = newOwner;
        emit ModelOwnershipTransferred(modelHash, msg.sender, newOwner);
        _notify(modelHash);
    }

    /// @notice PARAMS_ROLE: caps every model's royalty (existing ones above it are paid the cap).
    function setMaxRoyaltyBps(uint16 newMaxRoyaltyBps) external onlyRole(PARAMS_ROLE) {
        _setMaxRoyalty(newMaxRoyaltyBps);
    }

    /// @notice PARAMS_ROLE: the contract told of royalty and owner changes (Billing; address(0) for none).
    function setRoyaltyCache(IRoyaltyCache newRoyaltyCache) external onlyRole(PARAMS_ROLE) {
        royaltyCache = newRoyaltyCache;
        emit RoyaltyCacheSet(address(newRoyaltyCache));
    }

    /// @notice The record of `modelHash`; reverts with ModelsUnknown if it was never registered.
    function modelOf(bytes32 modelHash) external view returns (Model memory model) {
        model = _models[modelHash];
        if (model.owner == address(0)) revert ModelsUnknown(modelHash);
    }

    /// @notice Whether `modelHash` is registered.
    function isRegistered(bytes32 modelHash) external view returns (bool) {
        return _models[modelHash].owner != address(0);
    }

    /// @inheritdoc IModels
    function royaltyOf(bytes32 modelHash) external view returns (address owner, uint16 royaltyBps) {
        Model storage model = _models[modelHash];
        owner = model.owner;
        royaltyBps = model.royaltyBps;
        uint16 cap = maxRoyaltyBps;
        if (royaltyBps > cap) royaltyBps = cap;
    }

    /// @inheritdoc IModels
    function royaltyClaimable(bytes32 modelHash) external view returns (bool) {
        return _frozenUntil(modelHash) == 0;
    }

    function _requireRegistered(bytes32 modelHash) internal view override {
        if (_models[modelHash].owner == address(0)) revert ModelsUnknown(modelHash);
    }

    function _registeredAt(bytes32 modelHash) internal view override returns (uint64) {
        return _models[modelHash].registeredAt;
    }

    function _ownerOf(bytes32 modelHash) internal view override returns (address) {
        return _models[modelHash].owner;
    }

    function _reassign(bytes32 modelHash, address newOwner, uint16 royaltyBps) internal override {
        _requireRegistered(modelHash);
        if (newOwner == address(0)) revert ModelsZeroOwner();
        _checkRoyalty(royaltyBps);
        Model storage model = _models[modelHash];
        address from = model.owner;
        model.owner = newOwner;
        model.royaltyBps = royaltyBps;
        emit ModelReassigned(modelHash, from, newOwner, royaltyBps);
        IRoyaltyCache cache = royaltyCache;
        if (address(cache) != address(0)) cache.reassignModel(modelHash);
    }

    function _setMaxRoyalty(uint16 newMaxRoyaltyBps) internal {
        if (newMaxRoyaltyBps > ROYALTY_BPS_LIMIT) revert ModelsMaxRoyaltyTooHigh(newMaxRoyaltyBps, ROYALTY_BPS_LIMIT);
        maxRoyaltyBps = newMaxRoyaltyBps;
        emit MaxRoyaltySet(newMaxRoyaltyBps);
    }

    function _notify(bytes32 modelHash) internal {
        IRoyaltyCache cache = royaltyCache;
        if (address(cache) != address(0)) cache.syncModel(modelHash);
    }

    function _checkRoyalty(uint16 royaltyBps) internal view {
        uint16 cap = maxRoyaltyBps;
        if (royaltyBps > cap) revert ModelsRoyaltyTooHigh(royaltyBps, cap);
    }
}
