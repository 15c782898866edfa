/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the parts of the server share: the loop (loop.c) owns connections and
 * all socket I/O; routing (route.c) turns a parsed request into an answer or a
 * job; workers (sched.c, classify.c, chat.c) run jobs off the loop and hand
 * response bytes back through a message list and an eventfd.
 */
#ifndef OGX_SERVE_INTERNAL_H
#define OGX_SERVE_INTERNAL_H

#include <liburing.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/signalfd.h>

#include "model/generate.h"
#include "model/llama2c.h"
#include "model/llama_gguf.h"
#include "model/mlp.h"
#include "proof/kmod.h"
#include "proof/signer.h"
#include "proof/spool.h"
#include "serve/buf.h"
#include "serve/http.h"
#include "serve/serve.h"
#include "serve/x402.h"
#include "vk/device.h"
#include "vk/llama.h"
#include "vk/mlp.h"

#define CONN_RBUF 16384		/* unparsed input; also the pipelining limit */
/* recvbuf.c: the provided-buffer group every recv takes from (sizes: see there) */
#define RECV_BGID 0
#define RECV_BUFS 512
#define RECV_BUF_SIZE 8192
#define CONN_OUT_MAX 65536	/* unsent answers before pipelined requests wait */
#define HTTP_STATUS_MAX 600

struct srv;
struct conn;

enum op_type {
	OP_ACCEPT, OP_RECV, OP_SEND, OP_TIMEOUT, OP_EVENT, OP_SIGNAL,
	OP_SPOOL_WRITE, OP_SPOOL_SYNC, OP_KMOD, OP_ATTEST,
};

struct op {
	enum op_type type;
	struct conn *c;
	struct kcall *kc;	/* OP_KMOD: its chain (kcall.c) */
	unsigned int idx;	/* spool ops: which group (commit.c) */
};

/* kcall.c: a worker's chain of ogx.ko commands, run on the loop's ring */
struct kcmd {
	struct op op;		/* first: the CQE's user data is the command */
	unsigned int cmd;	/* the ioctl number (cmd_op) */
	void *arg;
	int res;		/* its result (-ECANCELED: not run) */
};

struct kcall {
	unsigned int n, left;	/* commands; completions still to come */
	bool done;		/* every completion is in (msg_lock) */
	struct kcmd c[];
};

struct conn {
	struct srv *s;
	struct conn *prev, *next;	/* srv's list of open connections */
	int fd;
	unsigned int inflight;	/* ring operations not yet completed */
	unsigned int refs;	/* a job that will still post messages */
	bool closing, recv_armed, send_armed, busy, close_after, sent_continue;
	struct op recv_op, send_op, tmo_op, send_tmo_op;
	struct __kernel_timespec ts, send_ts;
	uint64_t req_start;	/* mono ns the current request's first bytes were seen; 0 */
	struct ogx_http_parser hp;
	struct job *job;
	/* unparsed input (a partial request, a pipelined tail): malloc'd
	 * (CONN_RBUF) when some is left after parsing, freed when empty */
	char *rbuf;
	size_t rlen;
	bool starved;		/* a recv got -ENOBUFS: re-armed on the next turn */
	struct conn *starved_next;
	struct ogx_buf sending, pending;
	size_t sent;
	uint64_t t_request;	/* mono ns the current request completed parsing */
};

enum job_kind { JOB_INFER, JOB_CHAT, JOB_COMPLETION };

struct job {
	struct job *next;
	enum job_kind kind;
	struct conn *conn;
	struct model *model;
	atomic_bool cancelled;
	bool keep_alive, stream;
	uint32_t level;
	uint64_t t_start;		/* mono ns, request parsed */
	uint8_t *input;			/* classifier pixels */
	size_t input_len;
	char *prompt;			/* generation */
	struct ogx_generate_params gp;
	bool gp_max_given;
	char resp_id[48];
	uint64_t created;
	struct ogx_ext payment;		/* record key 15, when paid */
	struct x402_payment *paid;	/* the accepted payment, malloc'd, or NULL */
	char *extra_headers;		/* X-PAYMENT-RESPONSE etc., malloc'd or NULL */
};

/* Response bytes from a worker to a connection, or a record for the spool. */
struct msg {
	struct msg *next;
	struct conn *conn;	/* NULL: a record */
	struct job *job;	/* set on the job's last message: then freed by the loop */
	struct ogx_buf data;
	int status;		/* an HTTP status to count, or 0 */
	bool close;		/* close after sending (no keep-alive) */
	uint8_t *rec;		/* a signed record, malloc'd, for the spool (conn NULL) */
	size_t rec_len;
	uint64_t gate;		/* commit.c: records that must be durable first */
	struct kcall *kc;	/* a worker's ogx.ko commands for the ring (conn NULL) */
};

/* commit.c: the loop's group commit of records (loop thread only). */
#define COMMIT_GROUPS 4		/* groups written and synced at once */
#define COMMIT_WRITES 2		/* writes per group, OGX_SPOOL_WRITE_MAX records each */

struct commit_group {
	struct iovec *recs;		/* its records (owned), in seq order */
	size_t n, cap;
	uint64_t end;			/* durable = end once it and all before it are */
	uint64_t next_index;		/* the spool index after its last record */
	unsigned int ios;		/* CQEs still to come; 0: done */
	unsigned int writes_left;	/* its write SQEs not yet completed */
	int err;			/* its first failure */
	const char *what;
	struct op write_op[COMMIT_WRITES], sync_op;
	struct ogx_spool_write w[COMMIT_WRITES];
};

struct commit {
	struct iovec *pend;		/* records handed over, not yet written */
	size_t pend_n, pend_cap;
	struct commit_group g[COMMIT_GROUPS];	/* a ring: head is the oldest in flight */
	unsigned int head, inflight;
	uint64_t queued, durable;	/* records handed over / made durable, ever */
	struct msg *parked, **parked_tail;	/* answers waiting for durability */
	int err;			/* the spool failed: sticky */
};

enum model_kind { MODEL_MLP, MODEL_LLAMA };

struct model {
	struct srv *srv;
	const struct ogx_serve_model *cfg;
	enum model_kind kind;
	uint8_t digest[OGX_DIGEST_LEN];
	char digest_hex[2 * OGX_DIGEST_LEN + 1];
	struct ogx_mlp mlp;
	struct ogx_vk_mlp *vm;		/* int8 classifier on the Vulkan engine, or NULL: CPU */
	struct ogx_device device;	/* what runs it, for its records */
	struct ogx_llama2c ck;		/* a Llama model: llama2.c checkpoint, */
	struct ogx_llama_gguf gg;	/* or GGUF (gg.g set) */
	const struct ogx_llama_weights *w;	/* the one loaded */
	struct ogx_tokenizer tok;
	struct ogx_vk_llama *vl;	/* its weights on the Vulkan engine, or NULL: CPU */
	struct slot *slots;		/* chat.c: one per concurrent stream */
	unsigned int n_slots;
	uint32_t prefill_chunk;		/* prompt tokens a stream takes between two steps */
	uint8_t tok_digest[OGX_DIGEST_LEN];
	bool loaded_llama;
	/* the queue, protected by lock */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *head, **tail;
	unsigned int depth;
	bool stop;
	pthread_t thread;
	bool started;
	atomic_uint_fast64_t jobs, batches, rejected;
};

struct recv_ring {
	struct io_uring_buf_ring *br;	/* leads map, page-aligned */
	char *mem;			/* n buffers of size bytes */
	void *map;
	size_t map_len, ring_len;
	unsigned int n, size, mask;
};

struct srv {
	const struct ogx_serve_config *cfg;
	struct io_uring ring;
	struct recv_ring rr;
	struct conn *starved;		/* connections to re-arm on the next turn */
	struct conn *conn_list;		/* every connection not yet freed */
	uint64_t recv_nobufs;		/* recvs that found the ring empty */
	int lfd, efd, sigfd;
	struct op accept_op, event_op, signal_op;
	uint64_t event_val;
	struct signalfd_siginfo sig;
	bool stopping;
	struct model models[OGX_SERVE_MAX_MODELS];
	size_t n_models;
	/* the signer (node key, spool, hash chain), shared by the workers */
	pthread_mutex_t signer_lock;
	struct ogx_signer signer;
	bool record;
	/* /dev/ogx when present at start: level tee (kernel evidence per record) */
	struct ogx_kmod kmod;
	bool have_kmod;
	const char *tee_label;		/* its records' evidence: tee/kmod-sw or tee/kmod-tpm */
	struct ogx_device device;	/* the CPU */
	struct ogx_vk *vk;		/* the Vulkan device, when one is used */
	pthread_mutex_t vk_lock;	/* its queue is shared by the models' workers */
	struct commit cm;
	atomic_bool spool_failed;	/* set by the loop; spool_errmsg then fixed */
	char spool_errmsg[256];
	/* messages from workers, protected by msg_lock */
	pthread_mutex_t msg_lock;
	struct msg *msgs, **msgs_tail;
	pthread_cond_t kcall_cond;	/* a kcall is done, or the loop is gone */
	bool loop_gone;
	uint64_t kmod_cmds;		/* uring_cmds to /dev/ogx completed (loop) */
	unsigned int attests;		/* attestations waiting for the module's INFO (loop) */
	/* the signer's chain after its last record, for the loop (chain_lock) */
	pthread_mutex_t chain_lock;
	uint64_t chain_next_seq;
	uint8_t chain_head[OGX_DIGEST_LEN];
	struct x402_state x402;
	/* metrics: the loop's own, no lock; the workers' are atomics */
	unsigned int conns;
	uint64_t accepted, refused_conns, statuses[HTTP_STATUS_MAX];
	atomic_uint_fast64_t records, commits, cancelled;
	/* records.c: record id -> spool index, loop thread only */
	struct rec_slot *ri;
	size_t ri_n, ri_cap;
	uint64_t ri_next;
	uint64_t started_ns;
};

/* loop.c: answering from the loop */
void conn_respond(struct conn *c, int status, const char *ctype, const void *body, size_t len,
		  const char *extra);
void conn_error(struct conn *c, int status, const char *type, const char *code,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* loop.c: an SQE, the queue flushed first if it is full (never NULL) */
struct io_uring_sqe *loop_sqe(struct srv *s);
/* loop.c: a request answered off the loop's turn: on to the next one */
void conn_resume(struct conn *c);
/* route.c: the module's INFO for an attestation is in */
void attest_cqe(struct op *op, int res);

/* loop.c: send a worker's message to its connection (and end its job) */
void msg_deliver(struct srv *s, struct msg *m);

/* recvbuf.c */
int recvbuf_init(struct srv *s);
const char *recvbuf_data(struct srv *s, unsigned int bid);
void recvbuf_put(struct srv *s, unsigned int bid);
void recvbuf_free(struct srv *s);

/* commit.c */
void commit_init(struct srv *s);
void commit_free(struct srv *s);
/* A record message: queue its bytes for the spool (takes m->rec). */
void commit_record(struct srv *s, struct msg *m);
/* A job's last message: delivered once the records before it are durable. */
void commit_answer(struct srv *s, struct msg *m);
/* End of a loop turn: write the pending records, linked to one fdatasync. */
void commit_flush(struct srv *s);
void commit_cqe(struct srv *s, struct op *op, int res);

/* kcall.c (see there) */
int kcall_run(struct srv *s, struct kcall *kc);
void kcall_submit(struct srv *s, struct kcall *kc);
void kcall_cqe(struct srv *s, struct op *op, int res);
void kcall_loop_gone(struct srv *s);
int kcall_evidence(struct srv *s, struct ogx_record **rs, unsigned int n);

/* route.c */
void route_request(struct srv *s, struct conn *c, struct ogx_http_req *r);

/* sched.c */
int sched_start(struct srv *s);
void sched_stop(struct srv *s);
/* Is m's queue full (a submit now would be refused)? */
bool sched_full(struct model *m);
/* Queue j on its model; -EAGAIN when the queue is full (429). */
int sched_submit(struct srv *s, struct job *j);
void job_free(struct job *j);
/*
 * A paid job's X-PAYMENT-RESPONSE (into j->extra_headers), once the answer
 * is known: id, the record the payment is queued for settlement with, or
 * NULL where the headers leave before the record exists (a stream).
 * -ENOMEM leaves the job without the header.
 */
int job_payment_headers(struct srv *s, struct job *j, const uint8_t *id);
/* With msg_lock held: append m to the loop's messages; true: wake the loop (loop_wake). */
bool msg_append(struct srv *s, struct msg *m);
void loop_wake(struct srv *s);
/* Hand response bytes to the loop; last: the job is done (and freed by the loop). */
void post_msg(struct srv *s, struct job *j, struct ogx_buf *data, int status, bool last);
/*
 * Sign records for jobs and hand them to the loop, which makes them durable
 * before it sends any answer posted after this (commit.c); paid jobs' nonces
 * are synced here. Post the answers after it returns 0 (their og member
 * names the evidence from the records' kernel maps), then, whatever it
 * returned, prove_release() the records.
 */
int prove_commit(struct srv *s, struct ogx_record *recs, uint8_t (*ids)[OGX_DIGEST_LEN],
		 size_t n, bool paid);
/* Free the kernel maps prove_commit() added to the records. */
void prove_release(struct ogx_record *recs, size_t n);
/* Copy the signer's next seq and head for the loop (signer_lock held). */
void chain_snapshot(struct srv *s);
/* The "og" member of a response: record id, seq, signature, evidence label. */
void og_json(struct ogx_buf *b, const struct ogx_record *r, const uint8_t *id);

/* An error answer from a worker; closes the connection after it. */
void job_error(struct srv *s, struct job *j, int status, const char *code, const char *msg);
/* classify.c / chat.c: run on the model's worker thread */
void classify_batch(struct model *m, struct job **jobs, size_t n);
/*
 * chat.c: the Llama worker, with --streams slots (continuous batching);
 * on the Vulkan engine when m->vl is set (a device sequence per slot, joint
 * steps on the device).
 */
int chat_slots_init(struct model *m, unsigned int n, unsigned int threads);
void chat_slots_free(struct model *m);
void chat_worker(struct model *m);
/* sched.c: up to max jobs off m's queue; wait: block until one comes (0: stopping) */
size_t sched_take(struct model *m, struct job **jobs, size_t max, bool wait);

#endif
