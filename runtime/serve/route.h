/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Requests to answers, on the loop thread (route.c): what can be answered
 * at once is answered through conn.c; inference becomes a job on its
 * model's queue.
 */
#ifndef OGX_SERVE_ROUTE_H
#define OGX_SERVE_ROUTE_H

struct srv;
struct conn;
struct op;
struct ogx_http_req;

/* Answer r, or queue it as a job (the answer then comes from its worker). */
void ogx_route_request(struct srv *s, struct conn *c, struct ogx_http_req *r);
/* An attestation's INFO from the module completed: answer it (the caller resumes c). */
void ogx_route_attest_cqe(struct op *op, int res);
/* A payment's check on chain came back (x402_chain.c): accept and run, or refuse. */
struct x402_check;
void ogx_route_payment_checked(struct srv *s, struct x402_check *k);

#endif
