// SPDX-License-Identifier: GPL-2.0
/* See rpc.h. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>

#include "chain/rpc.h"
#include "util/err.h"
#include "util/hex.h"

/* A response larger than this is not an answer to anything we ask. */
#define RPC_MAX_RESPONSE (64u << 20)

struct ogx_rpc {
	CURL *curl;
	struct curl_slist *headers;
	char *url;
	uint64_t next_id;
	enum ogx_rpc_kind last_kind;
	char *body; /* response being received */
	size_t body_len;
};

static const struct {
	const char *needle;
	enum ogx_rpc_kind kind;
} classes[] = {
	/* Order matters: "replacement transaction underpriced" before "underpriced". */
	{ "nonce too low", OGX_RPC_NONCE_TOO_LOW },
	{ "nonce has already been used", OGX_RPC_NONCE_TOO_LOW },
	{ "already known", OGX_RPC_ALREADY_KNOWN },
	{ "already imported", OGX_RPC_ALREADY_KNOWN },
	{ "known transaction", OGX_RPC_ALREADY_KNOWN },
	{ "replacement transaction underpriced", OGX_RPC_UNDERPRICED },
	{ "underpriced", OGX_RPC_UNDERPRICED },
	{ "max fee per gas less than block base fee", OGX_RPC_UNDERPRICED },
	{ "fee too low", OGX_RPC_UNDERPRICED },
	{ "insufficient funds", OGX_RPC_INSUFFICIENT_FUNDS },
	{ "insufficient balance", OGX_RPC_INSUFFICIENT_FUNDS },
	{ "execution reverted", OGX_RPC_REVERTED },
	{ "revert", OGX_RPC_REVERTED },
	{ "timeout", OGX_RPC_TRANSPORT },
	{ "timed out", OGX_RPC_TRANSPORT },
	{ "connection refused", OGX_RPC_TRANSPORT },
	{ "connection reset", OGX_RPC_TRANSPORT },
};

static const char *const kind_names[] = {
	[OGX_RPC_OK] = "ok",
	[OGX_RPC_TRANSPORT] = "transport",
	[OGX_RPC_NONCE_TOO_LOW] = "nonce-too-low",
	[OGX_RPC_ALREADY_KNOWN] = "already-known",
	[OGX_RPC_UNDERPRICED] = "underpriced",
	[OGX_RPC_INSUFFICIENT_FUNDS] = "insufficient-funds",
	[OGX_RPC_REVERTED] = "reverted",
	[OGX_RPC_BAD_RESPONSE] = "bad-response",
	[OGX_RPC_OTHER] = "other",
};

const char *ogx_rpc_kind_name(enum ogx_rpc_kind kind)
{
	if ((unsigned int)kind >= sizeof(kind_names) / sizeof(kind_names[0]))
		return "unknown";
	return kind_names[kind];
}

enum ogx_rpc_kind ogx_rpc_classify(const char *message)
{
	size_t i;

	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strcasestr(message, classes[i].needle))
			return classes[i].kind;
	return OGX_RPC_OTHER;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_status;

static void curl_init(void)
{
	curl_init_status = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct ogx_rpc *rpc = arg;
	size_t len = size * n;
	char *b;

	if (rpc->body_len + len > RPC_MAX_RESPONSE)
		return 0; /* makes curl fail the transfer */
	b = realloc(rpc->body, rpc->body_len + len + 1);
	if (!b)
		return 0;
	memcpy(b + rpc->body_len, p, len);
	rpc->body = b;
	rpc->body_len += len;
	b[rpc->body_len] = '\0';
	return len;
}

int ogx_rpc_open(struct ogx_rpc **out, const char *url, long timeout_ms)
{
	struct ogx_rpc *rpc;

	pthread_once(&curl_once, curl_init);
	if (curl_init_status != CURLE_OK)
		return ogx_fail(-EIO, "libcurl: %s", curl_easy_strerror(curl_init_status));
	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
		return ogx_fail(-EINVAL, "RPC URL '%s' is not http:// or https://", url);
	rpc = calloc(1, sizeof(*rpc));
	if (!rpc)
		return -ENOMEM;
	rpc->curl = curl_easy_init();
	rpc->url = strdup(url);
	rpc->headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (!rpc->curl || !rpc->url || !rpc->headers) {
		ogx_rpc_close(rpc);
		return -ENOMEM;
	}
	curl_easy_setopt(rpc->curl, CURLOPT_URL, rpc->url);
	curl_easy_setopt(rpc->curl, CURLOPT_HTTPHEADER, rpc->headers);
	curl_easy_setopt(rpc->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(rpc->curl, CURLOPT_WRITEDATA, rpc);
	curl_easy_setopt(rpc->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(rpc->curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	/* No signals: the daemon has its own handlers and may run threads. */
	curl_easy_setopt(rpc->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(rpc->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(rpc->curl, CURLOPT_FOLLOWLOCATION, 0L);
	*out = rpc;
	return 0;
}

void ogx_rpc_close(struct ogx_rpc *rpc)
{
	if (!rpc)
		return;
	if (rpc->curl)
		curl_easy_cleanup(rpc->curl);
	curl_slist_free_all(rpc->headers);
	free(rpc->url);
	free(rpc->body);
	free(rpc);
}

enum ogx_rpc_kind ogx_rpc_last_kind(const struct ogx_rpc *rpc)
{
	return rpc->last_kind;
}

static int fail_kind(struct ogx_rpc *rpc, enum ogx_rpc_kind kind, int err, const char *method,
		     const char *msg)
{
	rpc->last_kind = kind;
	return ogx_fail(err, "%s: %s", method, msg);
}

static int transport_error(struct ogx_rpc *rpc, const char *method, CURLcode rc)
{
	int err;

	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		err = -ECONNREFUSED;
		break;
	case CURLE_OPERATION_TIMEDOUT:
		err = -ETIMEDOUT;
		break;
	default:
		err = -EIO;
	}
	return fail_kind(rpc, OGX_RPC_TRANSPORT, err, method, curl_easy_strerror(rc));
}

int ogx_rpc_call(struct ogx_rpc *rpc, const char *method, json_t *params, json_t **result)
{
	json_t *req, *resp = NULL, *res, *e;
	json_error_t jerr;
	char *text = NULL, msg[512];
	CURLcode rc;
	long status = 0;
	int err;

	*result = NULL;
	rpc->last_kind = OGX_RPC_OK;
	req = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id", (json_int_t)++rpc->next_id,
			"method", method, "params", params ? params : json_array());
	if (req)
		text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!text)
		return -ENOMEM;
	free(rpc->body);
	rpc->body = NULL;
	rpc->body_len = 0;
	curl_easy_setopt(rpc->curl, CURLOPT_POSTFIELDS, text);
	rc = curl_easy_perform(rpc->curl);
	free(text);
	curl_easy_setopt(rpc->curl, CURLOPT_POSTFIELDS, NULL);
	if (rc != CURLE_OK)
		return transport_error(rpc, method, rc);
	curl_easy_getinfo(rpc->curl, CURLINFO_RESPONSE_CODE, &status);
	if (rpc->body)
		resp = json_loadb(rpc->body, rpc->body_len, 0, &jerr);
	if (!resp || !json_is_object(resp)) {
		json_decref(resp);
		/* An HTTP error without a JSON-RPC body is the transport's. */
		if (status >= 400) {
			snprintf(msg, sizeof(msg), "HTTP status %ld", status);
			return fail_kind(rpc, OGX_RPC_TRANSPORT, -EIO, method, msg);
		}
		return fail_kind(rpc, OGX_RPC_BAD_RESPONSE, -EPROTO, method,
				 "response is not a JSON-RPC object");
	}
	e = json_object_get(resp, "error");
	if (e && !json_is_null(e)) {
		const char *m = json_string_value(json_object_get(e, "message"));

		snprintf(msg, sizeof(msg), "%s", m ? m : "error without a message");
		err = fail_kind(rpc, ogx_rpc_classify(msg), -EREMOTEIO, method, msg);
		json_decref(resp);
		return err;
	}
	res = json_object_get(resp, "result");
	if (!res) {
		json_decref(resp);
		return fail_kind(rpc, OGX_RPC_BAD_RESPONSE, -EPROTO, method,
				 "response has neither result nor error");
	}
	*result = json_incref(res);
	json_decref(resp);
	return 0;
}

static int bad_value(const char *what)
{
	return ogx_fail(-EPROTO, "malformed %s in the node's answer", what);
}

int ogx_rpc_quantity(const json_t *v, uint64_t *out)
{
	const char *s = json_string_value(v);
	uint64_t x = 0;
	size_t i, n;
	int d;

	if (!s || strncmp(s, "0x", 2))
		return bad_value("quantity");
	n = strlen(s + 2);
	if (!n || n > 16)
		return bad_value("quantity");
	for (i = 0; i < n; i++) {
		char c = s[2 + i];

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return bad_value("quantity");
		x = x << 4 | d;
	}
	*out = x;
	return 0;
}

int ogx_rpc_data_fixed(const json_t *v, uint8_t *out, size_t len)
{
	const char *s = json_string_value(v);

	if (!s || strncmp(s, "0x", 2) || strlen(s + 2) != 2 * len || ogx_unhex(out, len, s + 2))
		return bad_value("fixed-size data");
	return 0;
}

int ogx_rpc_data(const json_t *v, uint8_t **out, size_t *len)
{
	const char *s = json_string_value(v);
	size_t n;

	if (!s || strncmp(s, "0x", 2) || (strlen(s + 2) % 2))
		return bad_value("data");
	n = strlen(s + 2) / 2;
	*out = malloc(n ? n : 1);
	if (!*out)
		return -ENOMEM;
	if (ogx_unhex(*out, n, s + 2)) {
		free(*out);
		*out = NULL;
		return bad_value("data");
	}
	*len = n;
	return 0;
}

static json_t *hex_json(const uint8_t *p, size_t len)
{
	char *s = malloc(2 * len + 3);
	json_t *j;

	if (!s)
		return NULL;
	s[0] = '0';
	s[1] = 'x';
	ogx_hex(s + 2, p, len);
	j = json_string(s);
	free(s);
	return j;
}

static json_t *quantity_json(uint64_t v)
{
	char s[24];

	snprintf(s, sizeof(s), "0x%llx", (unsigned long long)v);
	return json_string(s);
}

/* Call with params and parse a QUANTITY result. */
static int call_quantity(struct ogx_rpc *rpc, const char *method, json_t *params, uint64_t *out)
{
	json_t *res;
	int err = ogx_rpc_call(rpc, method, params, &res);

	if (err)
		return err;
	err = ogx_rpc_quantity(res, out);
	json_decref(res);
	if (err)
		rpc->last_kind = OGX_RPC_BAD_RESPONSE;
	return err;
}

int ogx_rpc_chain_id(struct ogx_rpc *rpc, uint64_t *id)
{
	return call_quantity(rpc, "eth_chainId", NULL, id);
}

int ogx_rpc_block_number(struct ogx_rpc *rpc, uint64_t *n)
{
	return call_quantity(rpc, "eth_blockNumber", NULL, n);
}

int ogx_rpc_nonce(struct ogx_rpc *rpc, const uint8_t addr[OGX_ETH_ADDR_LEN], const char *tag,
		  uint64_t *nonce)
{
	return call_quantity(rpc, "eth_getTransactionCount",
			     json_pack("[o,s]", hex_json(addr, OGX_ETH_ADDR_LEN), tag), nonce);
}

ogx_u128 ogx_u128_from_be(const uint8_t *be, size_t len)
{
	ogx_u128 v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (v >> 120)
			return ~(ogx_u128)0;
		v = v << 8 | be[i];
	}
	return v;
}

const char *ogx_u128_str(char out[40], ogx_u128 v)
{
	char tmp[40];
	int n = 0, i;

	do {
		tmp[n++] = '0' + (int)(v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
	return out;
}

int ogx_rpc_balance(struct ogx_rpc *rpc, const uint8_t addr[OGX_ETH_ADDR_LEN], ogx_u128 *wei)
{
	uint8_t be[32] = { 0 };
	const char *s;
	json_t *res;
	size_t n, i;
	int err;

	err = ogx_rpc_call(rpc, "eth_getBalance",
			   json_pack("[o,s]", hex_json(addr, OGX_ETH_ADDR_LEN), "latest"), &res);
	if (err)
		return err;
	s = json_string_value(res);
	n = s ? strlen(s) : 0;
	/* A QUANTITY: "0x" and 1 to 64 hex digits, no leading zeros required. */
	if (!s || strncmp(s, "0x", 2) || n < 3 || n > 66) {
		err = bad_value("balance");
	} else {
		for (i = 2; i < n && !err; i++) {
			char c = s[i];
			int d = c >= '0' && c <= '9' ? c - '0' :
				c >= 'a' && c <= 'f' ? c - 'a' + 10 :
				c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
			size_t nib = 64 - (n - i); /* nibble index in 32 bytes */

			if (d < 0)
				err = bad_value("balance");
			else
				be[nib / 2] |= nib % 2 ? d : d << 4;
		}
		*wei = ogx_u128_from_be(be, 32);
	}
	json_decref(res);
	return err;
}

int ogx_rpc_priority_fee(struct ogx_rpc *rpc, uint64_t *wei)
{
	return call_quantity(rpc, "eth_maxPriorityFeePerGas", NULL, wei);
}

int ogx_rpc_send_raw(struct ogx_rpc *rpc, const uint8_t *raw, size_t len,
		     uint8_t hash[OGX_KECCAK256_LEN])
{
	json_t *res;
	int err;

	err = ogx_rpc_call(rpc, "eth_sendRawTransaction", json_pack("[o]", hex_json(raw, len)),
			   &res);
	if (err)
		return err;
	err = ogx_rpc_data_fixed(res, hash, OGX_KECCAK256_LEN);
	json_decref(res);
	return err;
}

int ogx_rpc_receipt(struct ogx_rpc *rpc, const uint8_t hash[OGX_KECCAK256_LEN],
		    struct ogx_receipt *r)
{
	json_t *res;
	uint64_t status;
	int err;

	memset(r, 0, sizeof(*r));
	err = ogx_rpc_call(rpc, "eth_getTransactionReceipt",
			   json_pack("[o]", hex_json(hash, OGX_KECCAK256_LEN)), &res);
	if (err)
		return err;
	if (json_is_null(res)) {
		json_decref(res);
		return 0;
	}
	if ((err = ogx_rpc_quantity(json_object_get(res, "status"), &status)) ||
	    (err = ogx_rpc_quantity(json_object_get(res, "blockNumber"), &r->block_number)) ||
	    (err = ogx_rpc_data_fixed(json_object_get(res, "blockHash"), r->block_hash, 32)) ||
	    (err = ogx_rpc_quantity(json_object_get(res, "gasUsed"), &r->gas_used)))
		goto out;
	if (json_object_get(res, "effectiveGasPrice"))
		err = ogx_rpc_quantity(json_object_get(res, "effectiveGasPrice"),
				       &r->effective_gas_price);
	r->found = !err;
	r->success = status == 1;
out:
	json_decref(res);
	return err;
}

int ogx_rpc_block(struct ogx_rpc *rpc, uint64_t number, struct ogx_block *b)
{
	json_t *res, *txs, *tag;
	size_t i;
	int err;

	memset(b, 0, sizeof(*b));
	tag = number == UINT64_MAX ? json_string("latest") : quantity_json(number);
	err = ogx_rpc_call(rpc, "eth_getBlockByNumber", json_pack("[o,b]", tag, 0), &res);
	if (err)
		return err;
	if (json_is_null(res)) {
		json_decref(res);
		return ogx_fail(-ENOENT, "block %llu does not exist", (unsigned long long)number);
	}
	if ((err = ogx_rpc_quantity(json_object_get(res, "number"), &b->number)) ||
	    (err = ogx_rpc_data_fixed(json_object_get(res, "hash"), b->hash, 32)) ||
	    (err = ogx_rpc_quantity(json_object_get(res, "timestamp"), &b->timestamp)))
		goto out;
	if (json_object_get(res, "baseFeePerGas") &&
	    (err = ogx_rpc_quantity(json_object_get(res, "baseFeePerGas"), &b->base_fee)))
		goto out;
	txs = json_object_get(res, "transactions");
	if (!json_is_array(txs)) {
		err = bad_value("transactions");
		goto out;
	}
	b->n_tx = json_array_size(txs);
	b->tx_hashes = calloc(b->n_tx ? b->n_tx : 1, 32);
	if (!b->tx_hashes) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < b->n_tx && !err; i++)
		err = ogx_rpc_data_fixed(json_array_get(txs, i), b->tx_hashes[i], 32);
out:
	if (err)
		ogx_block_free(b);
	json_decref(res);
	return err;
}

void ogx_block_free(struct ogx_block *b)
{
	free(b->tx_hashes);
	b->tx_hashes = NULL;
	b->n_tx = 0;
}

int ogx_rpc_tx_by_hash(struct ogx_rpc *rpc, const uint8_t hash[OGX_KECCAK256_LEN],
		       struct ogx_rpc_tx *tx)
{
	json_t *res, *bn, *to;
	int err;

	memset(tx, 0, sizeof(*tx));
	err = ogx_rpc_call(rpc, "eth_getTransactionByHash",
			   json_pack("[o]", hex_json(hash, OGX_KECCAK256_LEN)), &res);
	if (err)
		return err;
	if (json_is_null(res)) {
		json_decref(res);
		return 0;
	}
	bn = json_object_get(res, "blockNumber");
	to = json_object_get(res, "to");
	if ((err = ogx_rpc_quantity(json_object_get(res, "nonce"), &tx->nonce)) ||
	    (err = ogx_rpc_data_fixed(json_object_get(res, "from"), tx->from, OGX_ETH_ADDR_LEN)) ||
	    (bn && !json_is_null(bn) && (err = ogx_rpc_quantity(bn, &tx->block_number))) ||
	    (to && !json_is_null(to) &&
	     (err = ogx_rpc_data_fixed(to, tx->to, OGX_ETH_ADDR_LEN))) ||
	    (err = ogx_rpc_data(json_object_get(res, "input"), &tx->input, &tx->input_len)))
		goto out;
	tx->mined = bn && !json_is_null(bn);
	tx->has_to = to && !json_is_null(to);
	tx->found = true;
out:
	json_decref(res);
	return err;
}

void ogx_rpc_tx_free(struct ogx_rpc_tx *tx)
{
	free(tx->input);
	tx->input = NULL;
}

int ogx_rpc_eth_call(struct ogx_rpc *rpc, const uint8_t to[OGX_ETH_ADDR_LEN],
		     const uint8_t *data, size_t len, uint8_t **out, size_t *out_len)
{
	json_t *res;
	int err;

	err = ogx_rpc_call(rpc, "eth_call",
			   json_pack("[{s:o,s:o},s]", "to", hex_json(to, OGX_ETH_ADDR_LEN), "input",
				     hex_json(data, len), "latest"),
			   &res);
	if (err)
		return err;
	err = ogx_rpc_data(res, out, out_len);
	json_decref(res);
	return err;
}

int ogx_rpc_code_size(struct ogx_rpc *rpc, const uint8_t addr[OGX_ETH_ADDR_LEN], size_t *size)
{
	uint8_t *code;
	json_t *res;
	int err;

	err = ogx_rpc_call(rpc, "eth_getCode",
			   json_pack("[o,s]", hex_json(addr, OGX_ETH_ADDR_LEN), "latest"), &res);
	if (err)
		return err;
	err = ogx_rpc_data(res, &code, size);
	json_decref(res);
	if (!err)
		free(code);
	return err;
}

int ogx_rpc_estimate_gas(struct ogx_rpc *rpc, const uint8_t from[OGX_ETH_ADDR_LEN],
			 const uint8_t to[OGX_ETH_ADDR_LEN], const uint8_t *data, size_t len,
			 uint64_t *gas)
{
	json_t *call = json_pack("{s:o,s:o}", "from", hex_json(from, OGX_ETH_ADDR_LEN), "input",
				 hex_json(data, len));

	/* No "to": a contract creation. */
	if (call && to)
		json_object_set_new(call, "to", hex_json(to, OGX_ETH_ADDR_LEN));
	return call_quantity(rpc, "eth_estimateGas", json_pack("[o]", call), gas);
}
