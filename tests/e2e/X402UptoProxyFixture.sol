// SPDX-License-Identifier: GPL-2.0
pragma solidity 0.8.28;

/// @title x402's `upto` Permit2 proxy, for anvil.
/// @notice A test fixture written for ogx to the interface that the npm
/// package x402-evm 2.27.0 calls (x402UptoPermit2ProxyABI: settle(permit, amount,
/// owner, witness, signature), the errors it names) and the rules of
/// x402's proxies: it is the Permit2 spender the client signs for; the
/// witness Witness(address to,address facilitator,uint256 validAfter) binds
/// the payee and the one account allowed to settle; the amount moved is the
/// facilitator's choice up to the signed cap. Permit2's address is a
/// constant (no immutables), so the runtime code can be put at the proxy's
/// canonical address with anvil_setCode. No settleWithPermit (EIP-2612
/// gas sponsoring) and no reentrancy guard: the tests do not use them.
interface ISignatureTransferSubset {
    struct TokenPermissions {
        address token;
        uint256 amount;
    }

    struct PermitTransferFrom {
        TokenPermissions permitted;
        uint256 nonce;
        uint256 deadline;
    }

    struct SignatureTransferDetails {
        address to;
        uint256 requestedAmount;
    }

    function permitWitnessTransferFrom(
        PermitTransferFrom calldata permit,
        SignatureTransferDetails calldata transferDetails,
        address owner,
        bytes32 witness,
        string calldata witnessTypeString,
        bytes calldata signature
    ) external;
}

contract X402UptoProxyFixture {
    struct Witness {
        address to;
        address facilitator;
        uint256 validAfter;
    }

    ISignatureTransferSubset public constant PERMIT2 =
        ISignatureTransferSubset(0x000000000022D473030F116dDEE9F6B43aC78BA3);
    string public constant WITNESS_TYPE_STRING =
        "Witness witness)TokenPermissions(address token,uint256 amount)Witness(address to,address facilitator,uint256 validAfter)";
    bytes32 public constant WITNESS_TYPEHASH =
        keccak256("Witness(address to,address facilitator,uint256 validAfter)");

    event Settled();

    error AmountExceedsPermitted();
    error InvalidAmount();
    error InvalidDestination();
    error InvalidOwner();
    error PaymentTooEarly();
    error UnauthorizedFacilitator();

    function settle(
        ISignatureTransferSubset.PermitTransferFrom calldata permit,
        uint256 amount,
        address owner,
        Witness calldata witness,
        bytes calldata signature
    ) external {
        if (msg.sender != witness.facilitator) revert UnauthorizedFacilitator();
        if (amount > permit.permitted.amount) revert AmountExceedsPermitted();
        if (amount == 0) revert InvalidAmount();
        if (owner == address(0)) revert InvalidOwner();
        if (witness.to == address(0)) revert InvalidDestination();
        if (block.timestamp < witness.validAfter) revert PaymentTooEarly();
        bytes32 witnessHash =
            keccak256(abi.encode(WITNESS_TYPEHASH, witness.to, witness.facilitator, witness.validAfter));
        PERMIT2.permitWitnessTransferFrom(
            permit,
            ISignatureTransferSubset.SignatureTransferDetails({to: witness.to, requestedAmount: amount}),
            owner,
            witnessHash,
            WITNESS_TYPE_STRING,
            signature
        );
        emit Settled();
    }
}
