// SPDX-License-Identifier: GPL-2.0
/* See credential.h. */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "attest/credential.h"
#include "util/err.h"

#define SEED_LEN 32		/* the EK's nameAlg digest size */
#define SYM_BITS 128		/* the EK's AES-128 */

int ogx_kdfa_sha256(const uint8_t *key, size_t key_len, const char *label,
		    const uint8_t *context, size_t context_len, uint8_t *out, size_t bits)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "KBKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	/* KDFa: counter ‖ label ‖ 0x00 ‖ context ‖ bits, all as KBKDF does it */
	OSSL_PARAM params[] = {
		OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_MODE, "counter", 0),
		OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_MAC, "HMAC", 0),
		OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_len),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_SALT, (void *)label, strlen(label)),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_INFO, (void *)context, context_len),
		OSSL_PARAM_END,
	};
	int ok = ctx && EVP_KDF_derive(ctx, out, bits / 8, params) == 1;

	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ok ? 0 : ogx_fail(-EIO, "KDFa (OpenSSL KBKDF) failed");
}

/* The seed, encrypted to the EK with RSA-OAEP-SHA256 and label "IDENTITY\0". */
static int seal_seed(const TPM2B_PUBLIC *ek, const uint8_t seed[SEED_LEN],
		     TPM2B_ENCRYPTED_SECRET *secret)
{
	static const char label[] = "IDENTITY";	/* with its NUL, as the TPM's */
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;
	size_t len = sizeof(secret->secret);
	void *lab = NULL;
	int err = ogx_tpmpub_pkey(ek, &pk);

	if (err)
		return err;
	err = -EIO;
	ctx = EVP_PKEY_CTX_new(pk, NULL);
	lab = OPENSSL_memdup(label, sizeof(label));
	if (!ctx || !lab || EVP_PKEY_encrypt_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) != 1 ||
	    EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, lab, sizeof(label)) != 1)
		goto out;
	lab = NULL;	/* the context owns it now */
	if (EVP_PKEY_encrypt(ctx, secret->secret, &len, seed, SEED_LEN) != 1)
		goto out;
	secret->size = len;
	err = 0;
out:
	OPENSSL_free(lab);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return err ? ogx_fail(err, "MakeCredential: RSA-OAEP to the EK failed") : 0;
}

int ogx_make_credential(const TPM2B_PUBLIC *ek, const uint8_t name[OGX_TPM_NAME_LEN],
			const uint8_t *cred, size_t cred_len, TPM2B_ID_OBJECT *blob,
			TPM2B_ENCRYPTED_SECRET *secret)
{
	uint8_t seed[SEED_LEN], sym[SYM_BITS / 8], hkey[32], iv[16] = { 0 };
	uint8_t plain[2 + 64], *p = blob->credential;
	unsigned int hlen = 32;
	EVP_CIPHER_CTX *c = NULL;
	int n, tail, err;

	if (!cred_len || cred_len > 64)
		return ogx_fail(-EINVAL, "MakeCredential: a credential of %zu bytes (1..64)",
				cred_len);
	if ((err = ogx_tpmpub_check_ek(ek)))
		return err;
	if (RAND_bytes(seed, sizeof(seed)) != 1)
		return ogx_fail(-EIO, "MakeCredential: no random seed");
	if ((err = seal_seed(ek, seed, secret)))
		goto out;
	/* symKey = KDFa(seed, "STORAGE", name, -, 128); the credential as a TPM2B */
	if ((err = ogx_kdfa_sha256(seed, sizeof(seed), "STORAGE", name, OGX_TPM_NAME_LEN, sym,
				   SYM_BITS)) ||
	    (err = ogx_kdfa_sha256(seed, sizeof(seed), "INTEGRITY", NULL, 0, hkey, 256)))
		goto out;
	plain[0] = cred_len >> 8;
	plain[1] = cred_len & 0xff;
	memcpy(plain + 2, cred, cred_len);
	/* credentialBlob = TPM2B(HMAC) ‖ AES-128-CFB(symKey, IV 0, TPM2B(cred)) */
	err = -EIO;
	c = EVP_CIPHER_CTX_new();
	if (!c || EVP_EncryptInit_ex(c, EVP_aes_128_cfb128(), NULL, sym, iv) != 1 ||
	    EVP_EncryptUpdate(c, p + 2 + 32, &n, plain, 2 + cred_len) != 1 ||
	    EVP_EncryptFinal_ex(c, p + 2 + 32 + n, &tail) != 1)
		goto out;
	n += tail;
	/* outerHMAC = HMAC-SHA-256(KDFa(seed, "INTEGRITY"), encIdentity ‖ name) */
	{
		uint8_t msg[2 + 64 + OGX_TPM_NAME_LEN];

		memcpy(msg, p + 2 + 32, n);
		memcpy(msg + n, name, OGX_TPM_NAME_LEN);
		if (!HMAC(EVP_sha256(), hkey, sizeof(hkey), msg, n + OGX_TPM_NAME_LEN, p + 2,
			  &hlen) || hlen != 32)
			goto out;
	}
	p[0] = 0;
	p[1] = 32;
	blob->size = 2 + 32 + n;
	err = 0;
out:
	EVP_CIPHER_CTX_free(c);
	OPENSSL_cleanse(seed, sizeof(seed));
	OPENSSL_cleanse(sym, sizeof(sym));
	OPENSSL_cleanse(hkey, sizeof(hkey));
	if (err == -EIO)
		return ogx_fail(err, "MakeCredential: OpenSSL failed");
	return err;
}
