// SPDX-License-Identifier: GPL-2.0
pragma solidity 0.8.28;

/// Test fixture for tests/e2e/chain-settle.t: the smallest token that
/// settles x402 `exact` payments the way USDC does (EIP-3009
/// transferWithAuthorization with a v, r, s signature over the EIP-712
/// domain {name "USDC", version "2", chainId, this contract}), with
/// USDC's checks and revert reasons. Anyone may mint: it is a test token.
contract Eip3009Token {
	string public constant name = "USDC";
	string public constant version = "2";
	bytes32 public constant TRANSFER_WITH_AUTHORIZATION_TYPEHASH = keccak256(
		"TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)");
	bytes32 public immutable DOMAIN_SEPARATOR;

	mapping(address => uint256) public balanceOf;
	mapping(address => mapping(bytes32 => bool)) public authorizationState;

	event Transfer(address indexed from, address indexed to, uint256 value);
	event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce);

	constructor() {
		DOMAIN_SEPARATOR = keccak256(abi.encode(
			keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
			keccak256(bytes(name)), keccak256(bytes(version)), block.chainid, address(this)));
	}

	function mint(address to, uint256 value) external {
		balanceOf[to] += value;
		emit Transfer(address(0), to, value);
	}

	function transferWithAuthorization(address from, address to, uint256 value,
					   uint256 validAfter, uint256 validBefore, bytes32 nonce,
					   uint8 v, bytes32 r, bytes32 s) external {
		require(block.timestamp > validAfter, "FiatTokenV2: authorization is not yet valid");
		require(block.timestamp < validBefore, "FiatTokenV2: authorization is expired");
		require(!authorizationState[from][nonce], "FiatTokenV2: authorization is used or canceled");
		bytes32 digest = keccak256(abi.encodePacked("\x19\x01", DOMAIN_SEPARATOR,
			keccak256(abi.encode(TRANSFER_WITH_AUTHORIZATION_TYPEHASH, from, to, value,
					     validAfter, validBefore, nonce))));
		require(uint256(s) <= 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0,
			"ECRecover: invalid signature 's' value");
		address signer = ecrecover(digest, v, r, s);
		require(signer != address(0) && signer == from, "FiatTokenV2: invalid signature");
		authorizationState[from][nonce] = true;
		emit AuthorizationUsed(from, nonce);
		require(balanceOf[from] >= value, "ERC20: transfer amount exceeds balance");
		balanceOf[from] -= value;
		balanceOf[to] += value;
		emit Transfer(from, to, value);
	}
}
