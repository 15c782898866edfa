// SPDX-License-Identifier: GPL-2.0
pragma solidity 0.8.28;

/// Test stand-in for the OP Stack GasPriceOracle predeploy: its code is put
/// at 0x420000000000000000000000000000000000000F on anvil, and the test sets
/// the price per byte in storage slot 0.
contract MockGasPriceOracle {
    uint256 public perByte;

    function getL1Fee(bytes calldata data) external view returns (uint256) {
        return data.length * perByte;
    }
}
