// SPDX-License-Identifier: GPL-2.0
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title OPG for tests and local networks.
/// @notice An ERC-20 named "OPG" (symbol OPG, 18 decimals) with EIP-2612
/// permit, built on OpenZeppelin Contracts (the npm package, version
/// pinned in package-lock.json). The whole supply, 1,000,000,000 OPG, is
/// minted once, in the constructor, to the six allocation addresses:
/// ecosystem and node rewards 40 %, core contributors 30 %, investors and
/// advisors 10 %, staking rewards 10 %, liquidity 6 %, airdrop 4 %. There is
/// no mint function: the supply can never grow (nor shrink: no burn either).
/// Not the token of any public network: a fixture with the same economics
/// (Documentation/chain.md, "OPG").
contract OPG is ERC20, ERC20Permit {
    uint256 public constant TOTAL_SUPPLY = 1_000_000_000 * 10 ** 18;

    error ZeroAllocation(uint256 index);

    /// @param ecosystem ecosystem and node rewards (40 %)
    /// @param contributors core contributors (30 %)
    /// @param investors investors and advisors (10 %)
    /// @param staking staking rewards (10 %)
    /// @param liquidity liquidity (6 %)
    /// @param airdrop airdrop (4 %)
    constructor(
        address ecosystem,
        address contributors,
        address investors,
        address staking,
        address liquidity,
        address airdrop
    ) ERC20("OPG", "OPG") ERC20Permit("OPG") {
        address[6] memory to = [ecosystem, contributors, investors, staking, liquidity, airdrop];
        uint256[6] memory percent = [uint256(40), 30, 10, 10, 6, 4];
        for (uint256 i = 0; i < 6; i++) {
            if (to[i] == address(0)) revert ZeroAllocation(i);
            _mint(to[i], (TOTAL_SUPPLY * percent[i]) / 100);
        }
        assert(totalSupply() == TOTAL_SUPPLY);
    }
}
