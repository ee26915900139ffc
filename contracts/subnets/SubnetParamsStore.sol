// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {INoosToken} from "../interfaces/INoosToken.sol";
import {ISubnets} from "../interfaces/ISubnets.sol";

/// @title SubnetParamsStore
/// @notice Subnet creation for a locked token cost, subnet ownership, and the parameters and model
/// allow-lists that governance (PARAMS_ROLE, the DAO timelock) sets.
abstract contract SubnetParamsStore is ISubnets, AccessControl {
    using SafeERC20 for IERC20;

    struct Subnet {
        address owner; // creator; also the account whose tokens are locked
        uint256 locked; // tokens locked by the owner at creation
    }

    /// @notice Role of governance: parameters, model allow-lists, the lock cost.
    bytes32 public constant PARAMS_ROLE = keccak256("PARAMS_ROLE");
    /// @notice Upper bound of `maxUids`.
    uint16 public constant MAX_UIDS = 256;
    /// @notice Upper bound of `maxValidators`.
    uint16 public constant MAX_VALIDATORS = 64;
    /// @notice Upper bound of the task id's length in bytes.
    uint256 public constant MAX_TASK_ID_LENGTH = 64;

    /// @notice The NOOS token: locked by subnet creation, burned by registration.
    INoosToken public immutable token;
    /// @notice Tokens `createSubnet` locks from its caller.
    uint256 public lockCost;

    uint16 private _subnetCount;
    mapping(uint16 netuid => Subnet) private _subnets;
    mapping(uint16 netuid => SubnetParams) private _params;
    mapping(uint16 netuid => mapping(bytes32 modelHash => bool)) private _allowedModels;

    event SubnetCreated(uint16 indexed netuid, address indexed owner, uint256 locked);
    event SubnetParamsSet(uint16 indexed netuid, SubnetParams params);
    event LockCostSet(uint256 lockCost);
    event ModelAllowedSet(uint16 indexed netuid, bytes32 indexed modelHash, bool allowed);

    error SubnetsZeroAddress();
    error SubnetsNotFound(uint16 netuid);
    error SubnetsLimitReached(uint16 count);
    error SubnetsEmptyTaskId();
    error SubnetsTaskIdTooLong(uint256 length, uint256 max);
    error SubnetsInvalidTempo(uint32 tempo);
    error SubnetsInvalidMaxUids(uint16 maxUids);
    error SubnetsInvalidMaxValidators(uint16 maxValidators, uint16 maxUids);
    error SubnetsInvalidBurnHalfLife(uint32 burnHalfLife);
    error SubnetsMaxUidsBelowNeuronCount(uint16 netuid, uint16 maxUids, uint16 neuronCount);

    modifier subnetMustExist(uint16 netuid) {
        if (!subnetExists(netuid)) revert SubnetsNotFound(netuid);
        _;
    }

    constructor(INoosToken token_, address admin) {
        if (address(token_) == address(0) || admin == address(0)) revert SubnetsZeroAddress();
        token = token_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PARAMS_ROLE, admin);
    }

    /// @notice Creates a subnet owned by the caller, locking `lockCost` tokens from the caller
    /// (approve this contract first). Netuids are 1, 2, 3...
    /// @param p The subnet's parameters (validated as in `setParams`).
    /// @return netuid The new subnet's id.
    function createSubnet(SubnetParams calldata p) external returns (uint16 netuid) {
        _validate(p);
        uint16 count = _subnetCount;
        if (count == type(uint16).max) revert SubnetsLimitReached(count);
        netuid = count + 1;
        _subnetCount = netuid;
        uint256 cost = lockCost;
        _subnets[netuid] = Subnet({owner: msg.sender, locked: cost});
        emit SubnetCreated(netuid, msg.sender, cost);
        _storeParams(netuid, p);
        if (cost != 0) IERC20(address(token)).safeTransferFrom(msg.sender, address(this), cost);
    }

    /// @notice PARAMS_ROLE: replaces the parameters of `netuid` (same validation as creation;
    /// `maxUids` may not fall below the number of UIDs in use). The registration price's decay is
    /// settled under the old half-life first, so a new half-life or floor applies from this block.
    function setParams(uint16 netuid, SubnetParams calldata p) external onlyRole(PARAMS_ROLE) subnetMustExist(netuid) {
        _validate(p);
        uint16 count = _neuronCount(netuid);
        if (p.maxUids < count) revert SubnetsMaxUidsBelowNeuronCount(netuid, p.maxUids, count);
        _beforeParamsUpdate(netuid);
        _storeParams(netuid, p);
    }

    /// @notice PARAMS_ROLE: adds `modelHash` (sha256 of an ONNX model) to, or removes it from, the
    /// allow-list of `netuid`, used when the subnet restricts models.
    function setModelAllowed(
        uint16 netuid,
        bytes32 modelHash,
        bool allowed
    ) external onlyRole(PARAMS_ROLE) subnetMustExist(netuid) {
        _allowedModels[netuid][modelHash] = allowed;
        emit ModelAllowedSet(netuid, modelHash, allowed);
    }

    /// @notice PARAMS_ROLE: sets the tokens locked by each later `createSubnet`.
    function setLockCost(uint256 cost) external onlyRole(PARAMS_ROLE) {
        lockCost = cost;
        emit LockCostSet(cost);
    }

    /// @notice Number of subnets created; netuids run from 1 to this.
    function subnetCount() external view returns (uint16) {
        return _subnetCount;
    }

    /// @notice Whether `netuid` was created.
    function subnetExists(uint16 netuid) public view returns (bool) {
        return netuid != 0 && netuid <= _subnetCount;
    }

    /// @notice The owner (creator) of `netuid`.
    function subnetOwner(uint16 netuid) external view subnetMustExist(netuid) returns (address) {
        return _subnets[netuid].owner;
    }

    /// @notice Who locked how many tokens to create `netuid`.
    function subnetLock(uint16 netuid) external view subnetMustExist(netuid) returns (address owner, uint256 locked) {
        Subnet storage s = _subnets[netuid];
        return (s.owner, s.locked);
    }

    /// @notice The parameters of `netuid`.
    function params(uint16 netuid) external view subnetMustExist(netuid) returns (SubnetParams memory) {
        return _params[netuid];
    }

    /// @notice True if `netuid` does not restrict models or `modelHash` is on its allow-list.
    function isModelAllowed(uint16 netuid, bytes32 modelHash) public view subnetMustExist(netuid) returns (bool) {
        return !_params[netuid].restrictModels || _allowedModels[netuid][modelHash];
    }

    /// @dev Storage pointer to the parameters of an existing subnet; reverts if it does not exist.
    function _paramsOf(uint16 netuid) internal view returns (SubnetParams storage) {
        if (!subnetExists(netuid)) revert SubnetsNotFound(netuid);
        return _params[netuid];
    }

    /// @dev Number of UIDs in use on `netuid` (the neuron registry knows).
    function _neuronCount(uint16 netuid) internal view virtual returns (uint16);

    /// @dev Called before governance replaces the parameters of `netuid`.
    function _beforeParamsUpdate(uint16 netuid) internal virtual;

    /// @dev The only writer of subnet parameters; emits SubnetParamsSet.
    function _storeParams(uint16 netuid, SubnetParams calldata p) private {
        _params[netuid] = p;
        emit SubnetParamsSet(netuid, p);
    }

    function _validate(SubnetParams calldata p) private pure {
        uint256 taskIdLength = bytes(p.taskId).length;
        if (taskIdLength == 0) revert SubnetsEmptyTaskId();
        if (taskIdLength > MAX_TASK_ID_LENGTH) revert SubnetsTaskIdTooLong(taskIdLength, MAX_TASK_ID_LENGTH);
        if (p.tempo == 0) revert SubnetsInvalidTempo(p.tempo);
        if (p.maxUids == 0 || p.maxUids > MAX_UIDS) revert SubnetsInvalidMaxUids(p.maxUids);
        if (p.maxValidators == 0 || p.maxValidators > MAX_VALIDATORS || p.maxValidators > p.maxUids) {
            revert SubnetsInvalidMaxValidators(p.maxValidators, p.maxUids);
        }
        if (p.burnHalfLife == 0) revert SubnetsInvalidBurnHalfLife(p.burnHalfLife);
    }
}
