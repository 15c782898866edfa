// SPDX-License-Identifier: GPL-2.0
/*
 * SEV-SNP attestation reports: the layout (AMD, "SEV Secure Nested Paging
 * Firmware ABI Specification", publication 56860, Table "ATTESTATION_REPORT
 * Structure"), the VCEK's extensions (AMD, "Versioned Chip Endorsement Key
 * (VCEK) Certificate and KDS Interface Specification", publication 57230),
 * and the pinned ARKs. See snp.h.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "attest/snp.h"
#include "util/err.h"
#include "util/hex.h"

/*
 * The AMD Root Keys, by the SHA-256 of their DER encoding. The certificates
 * are AMD's, served by its Key Distribution Service as the second half of
 * https://kdsintf.amd.com/vcek/v1/Milan/cert_chain and .../Genoa/cert_chain
 * (ASK then ARK, PEM); the digests were computed from two independent copies
 * of them that agree: virtee/sev src/certs/snp/builtin/{milan,genoa}/ark.pem
 * (snapshot 9cf2adbf) and google/go-sev-guest verify/trust/ask_ark_{milan,
 * genoa}.pem (snapshot af1c107a). Check with `openssl x509 -in ark.pem
 * -outform der | sha256sum`.
 */
static const struct ogx_attest_root amd_roots[] = {
	{ "ARK-Milan", { 0x69, 0xd0, 0x63, 0xb4, 0x53, 0x44, 0xd2, 0x6a, 0x2e, 0x94, 0xe1,
			 0xf4, 0x21, 0x0d, 0xe4, 0x9e, 0xf5, 0x55, 0x30, 0x82, 0x87, 0xd4,
			 0xc1, 0x74, 0x44, 0x5c, 0x95, 0x63, 0x9a, 0x54, 0x0b, 0xcd } },
	{ "ARK-Genoa", { 0x4c, 0x65, 0x98, 0xd1, 0x9c, 0x18, 0x71, 0x9c, 0x5d, 0xfd, 0x4a,
			 0x7d, 0x33, 0x5f, 0x67, 0x4e, 0x5b, 0xfe, 0x1d, 0x8f, 0x80, 0x0c,
			 0xea, 0x2c, 0xf2, 0x70, 0xc1, 0x0d, 0x10, 0x3d, 0xb2, 0xf1 } },
};

const struct ogx_attest_roots ogx_snp_amd_roots = { amd_roots,
						    sizeof(amd_roots) / sizeof(amd_roots[0]) };

/* Offsets into the report (the ABI's table). */
enum {
	OFF_VERSION = 0x00,
	OFF_GUEST_SVN = 0x04,
	OFF_POLICY = 0x08,
	OFF_FAMILY_ID = 0x10,
	OFF_IMAGE_ID = 0x20,
	OFF_VMPL = 0x30,
	OFF_SIG_ALGO = 0x34,
	OFF_CURRENT_TCB = 0x38,
	OFF_PLATFORM_INFO = 0x40,
	OFF_REPORT_DATA = 0x50,
	OFF_MEASUREMENT = 0x90,
	OFF_HOST_DATA = 0xc0,
	OFF_ID_KEY_DIGEST = 0xe0,
	OFF_AUTHOR_KEY_DIGEST = 0x110,
	OFF_REPORT_ID = 0x140,
	OFF_REPORT_ID_MA = 0x160,
	OFF_REPORTED_TCB = 0x180,
	OFF_CHIP_ID = 0x1a0,
	OFF_COMMITTED_TCB = 0x1e0,
	OFF_LAUNCH_TCB = 0x1f0,
	OFF_SIG_R = 0x2a0,	/* 72 bytes little-endian, the top 24 zero */
	OFF_SIG_S = 0x2e8,
	OFF_SIG_TAIL = 0x330,	/* reserved to the end */
};

#define SIG_FIELD 72
#define POLICY_DEBUG (1ull << 19)	/* the ABI's "Guest Policy Structure" */
#define SIG_ALGO_ECDSA_P384_SHA384 1

static uint32_t le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return !acc;
}

/* r or s: 72 bytes little-endian of which the top 24 are zero, into 48 big-endian. */
static int sig_field(uint8_t out[48], const uint8_t *p, const char *name)
{
	if (!all_zero(p + 48, SIG_FIELD - 48))
		return ogx_fail(-EBADMSG, "sev-snp report: signature %s is wider than 384 bits "
				"(bytes 48..71 of its 72-byte field are not zero)", name);
	for (int i = 0; i < 48; i++)
		out[i] = p[47 - i];
	return 0;
}

int ogx_snp_parse(struct ogx_snp_report *r, const uint8_t *buf, size_t len)
{
	int err;

	memset(r, 0, sizeof(*r));
	if (len != OGX_SNP_REPORT_SIZE)
		return ogx_fail(-EBADMSG, "sev-snp report: %zu bytes, want %d", len,
				OGX_SNP_REPORT_SIZE);
	r->version = le32(buf + OFF_VERSION);
	if (r->version < 2 || r->version > 5)
		return ogx_fail(-EBADMSG, "sev-snp report: version %u (this verifier reads 2 to 5)",
				r->version);
	r->sig_algo = le32(buf + OFF_SIG_ALGO);
	if (r->sig_algo != SIG_ALGO_ECDSA_P384_SHA384)
		return ogx_fail(-EBADMSG, "sev-snp report: signature algorithm %u (want %d, ECDSA "
				"P-384 with SHA-384)", r->sig_algo, SIG_ALGO_ECDSA_P384_SHA384);
	r->vmpl = le32(buf + OFF_VMPL);
	if (r->vmpl > 3)
		return ogx_fail(-EBADMSG, "sev-snp report: VMPL %u (0 to 3)", r->vmpl);
	if (!all_zero(buf + OFF_SIG_TAIL, OGX_SNP_REPORT_SIZE - OFF_SIG_TAIL))
		return ogx_fail(-EBADMSG, "sev-snp report: the reserved bytes after the signature "
				"(0x%x..0x%x) are not zero", OFF_SIG_TAIL, OGX_SNP_REPORT_SIZE - 1);
	if ((err = sig_field(r->sig_r, buf + OFF_SIG_R, "r")) ||
	    (err = sig_field(r->sig_s, buf + OFF_SIG_S, "s")))
		return err;
	r->guest_svn = le32(buf + OFF_GUEST_SVN);
	r->policy = le64(buf + OFF_POLICY);
	r->current_tcb = le64(buf + OFF_CURRENT_TCB);
	r->platform_info = le64(buf + OFF_PLATFORM_INFO);
	r->reported_tcb = le64(buf + OFF_REPORTED_TCB);
	r->committed_tcb = le64(buf + OFF_COMMITTED_TCB);
	r->launch_tcb = le64(buf + OFF_LAUNCH_TCB);
	memcpy(r->family_id, buf + OFF_FAMILY_ID, 16);
	memcpy(r->image_id, buf + OFF_IMAGE_ID, 16);
	memcpy(r->report_data, buf + OFF_REPORT_DATA, 64);
	memcpy(r->measurement, buf + OFF_MEASUREMENT, 48);
	memcpy(r->host_data, buf + OFF_HOST_DATA, 32);
	memcpy(r->id_key_digest, buf + OFF_ID_KEY_DIGEST, 48);
	memcpy(r->author_key_digest, buf + OFF_AUTHOR_KEY_DIGEST, 48);
	memcpy(r->report_id, buf + OFF_REPORT_ID, 32);
	memcpy(r->report_id_ma, buf + OFF_REPORT_ID_MA, 32);
	memcpy(r->chip_id, buf + OFF_CHIP_ID, 64);
	return 0;
}

/* The VCEK's extension oid as its DER contents, or NULL when it has none. */
static const ASN1_OCTET_STRING *vcek_ext(X509 *vcek, const char *oid)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	int i = obj ? X509_get_ext_by_OBJ(vcek, obj, -1) : -1;

	ASN1_OBJECT_free(obj);
	return i < 0 ? NULL : X509_EXTENSION_get_data(X509_get_ext(vcek, i));
}

/*
 * The TCB_VERSION of Milan and Genoa (the ABI's table "TCB_VERSION
 * Structure"): byte 0 the boot loader's SPL, 1 the PSP OS's (TEE), 2..5
 * reserved, 6 the SNP firmware's, 7 the microcode's. Turin's layout differs;
 * its ARK is not pinned here.
 */
static const struct {
	const char *oid, *name;
	int byte;
} tcb_exts[] = {
	{ "1.3.6.1.4.1.3704.1.3.1", "blSPL", 0 },
	{ "1.3.6.1.4.1.3704.1.3.2", "teeSPL", 1 },
	{ "1.3.6.1.4.1.3704.1.3.3", "snpSPL", 6 },
	{ "1.3.6.1.4.1.3704.1.3.8", "ucodeSPL", 7 },
};

#define OID_PRODUCT_NAME "1.3.6.1.4.1.3704.1.2"
#define OID_HWID "1.3.6.1.4.1.3704.1.4"

static int check_tcb(struct ogx_snp_verify *v, X509 *vcek)
{
	const struct ogx_snp_report *r = &v->report;
	const ASN1_OCTET_STRING *os;
	char got[17], want[17];

	if ((os = vcek_ext(vcek, OID_PRODUCT_NAME))) {
		const unsigned char *p = ASN1_STRING_get0_data(os);
		ASN1_IA5STRING *s = d2i_ASN1_IA5STRING(NULL, &p, ASN1_STRING_length(os));

		if (s)
			snprintf(v->product, sizeof(v->product), "%.*s", ASN1_STRING_length(s),
				 (const char *)ASN1_STRING_get0_data(s));
		ASN1_IA5STRING_free(s);
	}
	for (size_t i = 0; i < sizeof(tcb_exts) / sizeof(tcb_exts[0]); i++) {
		const unsigned char *p;
		ASN1_INTEGER *n;
		long spl;
		unsigned int in_report = (unsigned int)(r->reported_tcb >> (8 * tcb_exts[i].byte)) &
					 0xff;

		if (!(os = vcek_ext(vcek, tcb_exts[i].oid)))
			continue;
		p = ASN1_STRING_get0_data(os);
		n = d2i_ASN1_INTEGER(NULL, &p, ASN1_STRING_length(os));
		spl = n ? ASN1_INTEGER_get(n) : -1;
		ASN1_INTEGER_free(n);
		ERR_clear_error();
		if (spl < 0 || spl > 255)
			return ogx_fail(-EPROTO, "sev-snp: the VCEK's %s extension is not an "
					"integer 0..255", tcb_exts[i].name);
		if ((unsigned long)spl != in_report)
			return ogx_fail(-EPROTO, "sev-snp: the VCEK is for %s %ld, the report's "
					"reported_tcb has %u", tcb_exts[i].name, spl, in_report);
		v->tcb_checked++;
	}
	if ((os = vcek_ext(vcek, OID_HWID)) && !all_zero(r->chip_id, 64)) {
		if (ASN1_STRING_length(os) != 64 ||
		    memcmp(ASN1_STRING_get0_data(os), r->chip_id, 64)) {
			ogx_hex(want, r->chip_id, 8);
			if (ASN1_STRING_length(os) >= 8)
				ogx_hex(got, ASN1_STRING_get0_data(os), 8);
			else
				snprintf(got, sizeof(got), "(short)");
			return ogx_fail(-EPROTO, "sev-snp: the VCEK is for chip %s..., the report's "
					"chip_id is %s...", got, want);
		}
		v->chip_id_checked = true;
	}
	return 0;
}

static int fail_at(struct ogx_snp_verify *v, enum ogx_attest_step step, int err)
{
	v->failed = step;
	return err;
}

int ogx_snp_verify(struct ogx_snp_verify *v, const uint8_t *buf, size_t len)
{
	const struct ogx_attest_roots *roots = v->roots ? v->roots : &ogx_snp_amd_roots;
	static const char *const names[] = { "ARK", "ASK", "VCEK" };
	X509 *vcek = NULL, *certs[3] = { NULL }, *chain[3];
	size_t n = 0;
	int err, ark = -1;

	v->failed = OGX_ATTEST_OK;
	v->root = NULL;
	v->product[0] = '\0';
	v->tcb_checked = 0;
	v->chip_id_checked = false;
	if ((err = ogx_snp_parse(&v->report, buf, len)))
		return fail_at(v, OGX_ATTEST_FORMAT, err);

	v->failed = OGX_ATTEST_CHAIN;
	if (!v->vcek || !v->chain) {
		err = ogx_fail(-EKEYREJECTED, "sev-snp: no %s given: the report's chain is the "
			       "VCEK, then the ASK and ARK", v->vcek ? "ASK + ARK chain" : "VCEK");
		goto out;
	}
	err = ogx_x509_load(&vcek, v->vcek, v->vcek_len, "VCEK");
	if (!err)
		err = ogx_x509_load_pem_all(certs, 3, &n, v->chain, v->chain_len,
					    "ASK + ARK chain");
	if (!err && n != 2)
		err = ogx_fail(-EKEYREJECTED, "ASK + ARK chain: %zu certificates, want 2", n);
	if (err) {
		err = ogx_fail(-EKEYREJECTED, "%s", ogx_errmsg(err));
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		const struct ogx_attest_root *root = ogx_attest_root_find(roots, certs[i]);

		if (root) {
			ark = i;
			v->root = root->name;
		}
	}
	if (ark < 0) {
		uint8_t h[32];
		char hh[2 * 8 + 1], name[128];
		int self = X509_check_issued(certs[1], certs[1]) == X509_V_OK ? 1 : 0;

		ogx_x509_name(name, sizeof(name), certs[self]);
		if (ogx_x509_sha256(certs[self], h))
			memset(h, 0, sizeof(h));
		ogx_hex(hh, h, 8);
		err = ogx_fail(-EKEYREJECTED, "sev-snp: the chain's root %s (SHA-256 %s...) is not "
			       "a pinned AMD ARK (ARK-Milan, ARK-Genoa)%s", name, hh,
			       v->roots ? " nor a configured root" : "");
		goto out;
	}
	chain[0] = certs[ark];
	chain[1] = certs[1 - ark];
	chain[2] = vcek;
	if ((err = ogx_x509_chain_check(chain, names, 3, v->at)))
		goto out;

	v->failed = OGX_ATTEST_SIGNATURE;
	err = ogx_p384_verify(X509_get0_pubkey(vcek), "VCEK", buf, OGX_SNP_SIGNED_SIZE,
			      v->report.sig_r, v->report.sig_s);
	if (err)
		goto out;

	v->failed = OGX_ATTEST_TCB;
	if ((err = check_tcb(v, vcek)))
		goto out;
	v->failed = OGX_ATTEST_POLICY;
	if (v->report.policy & POLICY_DEBUG) {
		err = ogx_fail(-EPROTO, "sev-snp: the guest policy 0x%llx allows debugging (bit "
			       "19): the host can read and write the guest's memory",
			       (unsigned long long)v->report.policy);
		goto out;
	}
	v->failed = OGX_ATTEST_OK;
out:
	ERR_clear_error();
	X509_free(vcek);
	for (size_t i = 0; i < n; i++)
		X509_free(certs[i]);
	return err;
}
