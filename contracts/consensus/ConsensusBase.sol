// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IEmission} from "../interfaces/IEmission.sol";
import {IStaking} from "../interfaces/IStaking.sol";
import {ISubnets} from "../interfaces/ISubnets.sol";
import {SubnetState, Params, ONE} from "./ConsensusTypes.sol";

/// @notice Links, roles, per-subnet state and the Yuma parameters (PARAMS_ROLE: the DAO timelock).
/// @dev A running epoch uses the parameter snapshot taken at its start: a change applies from the next epoch.
abstract contract ConsensusBase is AccessControl {
    bytes32 public constant PARAMS_ROLE = keccak256("PARAMS_ROLE");

    IERC20 public immutable token;
    IEmission public immutable emission;
    IStaking public immutable staking;
    ISubnets public immutable subnets;

    mapping(uint16 netuid => SubnetState) internal _subnets;

    event ParamsSet(uint16 indexed netuid, Params params);

    error ConsensusZeroAddress();
    error ConsensusInvalidParams(uint16 netuid);

    constructor(IERC20 token_, IEmission emission_, IStaking staking_, ISubnets subnets_, address admin) {
        if (
            address(token_) == address(0) ||
            address(emission_) == address(0) ||
            address(staking_) == address(0) ||
            address(subnets_) == address(0) ||
            admin == address(0)
        ) revert ConsensusZeroAddress();
        token = token_;
        emission = emission_;
        staking = staking_;
        subnets = subnets_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PARAMS_ROLE, admin);
    }

    /// @notice Sets every Yuma and weights parameter of `netuid` (PARAMS_ROLE). Fractions are fixed point
    /// at 10^18: kappa in (0, 1], bondsMovingAverage and bondsPenalty in [0, 1], alphaLow <= alphaHigh <= 1,
    /// steepness <= 32,767, consensusMode <= 3, maxWeight > 0.
    function setParams(uint16 netuid, Params calldata p) external onlyRole(PARAMS_ROLE) {
        if (
            p.kappa == 0 ||
            p.kappa > ONE ||
            p.bondsMovingAverage > ONE ||
            p.bondsPenalty > ONE ||
            p.alphaLow > p.alphaHigh ||
            p.alphaHigh > ONE ||
            p.alphaSteepness > 32_767 ||
            p.consensusMode > 3 ||
            p.maxWeight == 0
        ) revert ConsensusInvalidParams(netuid);
        Params memory stored = p;
        stored.configured = true;
        _subnets[netuid].params = stored;
        emit ParamsSet(netuid, stored);
    }

    /// @notice The parameters in force for `netuid` (the defaults until governance sets them).
    function paramsOf(uint16 netuid) external view returns (Params memory) {
        return _paramsOf(netuid);
    }

    /// @notice The parameters every subnet starts with (Bittensor's defaults).
    function defaultParams() public pure returns (Params memory) {
        return
            Params({
                configured: false,
                kappa: uint64(ONE / 2),
                bondsMovingAverage: uint64((ONE * 9) / 10),
                bondsPenalty: uint64(ONE),
                liquidAlpha: false,
                alphaLow: uint64((ONE * 7) / 10),
                alphaHigh: uint64((ONE * 9) / 10),
                alphaSteepness: 1_000,
                consensusMode: 0,
                activityCutoff: 5_000,
                weightsRateLimit: 100,
                maxWeight: 65_535,
                versionKey: 0
            });
    }

    function _paramsOf(uint16 netuid) internal view returns (Params memory p) {
        p = _subnets[netuid].params;
        if (!p.configured) p = defaultParams();
    }
}
