/* libFuzzer target for the client-protocol parser (src/proto/parser.c), reliability.md A1.
 * Links: ns_proto. Input: a 4-byte header (flags, split count and stop point, two limits), then
 * up to 15 two-byte split offsets, then the protocol bytes. Oracle: the run fed in those
 * chunks records exactly the callbacks (with their arguments) and the final status of the
 * one-call run, and of a byte-by-byte run for short inputs; no callback follows an error; the
 * carry buffers stay within their bounds (docs/internals/parser.md, invariants). */
#include "proto/parser.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HDR 4
#define MAX_CUTS 15
#define BYTEWISE_MAX 1024

/* ---- recorder: each callback appends a line; the runs are compared as byte strings ---- */

struct rec {
    struct proto_handlers h;
    char *buf;
    size_t len, cap;
    int calls;
    int stop_at; /* the stop_at-th callback returns non-zero; 0: never */
    int dead;    /* the parser has returned non-OK */
};

static void put(struct rec *r, const void *p, size_t n)
{
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap : 1024;
        while (cap < r->len + n)
            cap *= 2;
        r->buf = realloc(r->buf, cap);
        if (!r->buf)
            abort();
        r->cap = cap;
    }
    memcpy(r->buf + r->len, p, n);
    r->len += n;
}

/* A field: its length then its bytes (so no separator can be forged by the input). */
static void field(struct rec *r, const char *p, size_t n)
{
    uint64_t len = p ? n : UINT64_MAX;
    put(r, &len, sizeof(len));
    if (p)
        put(r, p, n);
}

static void num(struct rec *r, int64_t v)
{
    put(r, &v, sizeof(v));
}

static int called(struct rec *r, char tag)
{
    if (r->dead) {
        fprintf(stderr, "fuzz_parser: callback '%c' after the parser returned an error\n", tag);
        abort();
    }
    put(r, &tag, 1);
    r->calls++;
    return r->stop_at > 0 && r->calls == r->stop_at;
}

static int on_connect(void *ctx, const char *json, size_t len)
{
    struct rec *r = ctx;
    int stop = called(r, 'C');
    field(r, json, len);
    return stop;
}

static void msg_fields(struct rec *r, const struct proto_msg *m)
{
    if (!m->subject || m->subject_len == 0 || (m->reply && m->reply_len == 0) ||
        m->hdr_len > (int64_t)m->size) {
        fprintf(stderr, "fuzz_parser: malformed proto_msg\n");
        abort();
    }
    field(r, m->subject, m->subject_len);
    field(r, m->reply, m->reply_len);
    num(r, m->hdr_len);
    num(r, m->size);
}

static int on_pub_line(void *ctx, const struct proto_msg *m)
{
    struct rec *r = ctx;
    int stop = called(r, 'L');
    msg_fields(r, m);
    return stop;
}

static int on_msg(void *ctx, const struct proto_msg *m)
{
    struct rec *r = ctx;
    int stop = called(r, 'M');
    msg_fields(r, m);
    field(r, m->payload, m->size);
    return stop;
}

static int on_sub(void *ctx, const char *subj, size_t slen, const char *queue, size_t qlen,
                  const char *sid, size_t sidlen)
{
    struct rec *r = ctx;
    int stop = called(r, 'S');
    field(r, subj, slen);
    field(r, queue, qlen);
    field(r, sid, sidlen);
    return stop;
}

static int on_unsub(void *ctx, const char *sid, size_t sidlen, int64_t max)
{
    struct rec *r = ctx;
    int stop = called(r, 'U');
    field(r, sid, sidlen);
    num(r, max);
    return stop;
}

static int on_ping(void *ctx)
{
    return called(ctx, 'I');
}

static int on_pong(void *ctx)
{
    return called(ctx, 'O');
}

static int on_info(void *ctx, const char *json, size_t len)
{
    struct rec *r = ctx;
    int stop = called(r, 'F');
    field(r, json, len);
    return stop;
}

static void on_trace(void *ctx, const char *op, const char *arg, size_t arglen)
{
    struct rec *r = ctx;
    if (r->dead)
        abort();
    put(r, "T", 1);
    field(r, op, strlen(op));
    field(r, arg, arglen);
}

/* ---- one run ---- */

struct setup {
    int headers, need_connect, trace, info, no_pub_line;
    int64_t max_payload;
    uint32_t mcl;
    int stop_at;
};

/* The parser's memory bounds after a call that returned OK (parser.md invariants 2-4). */
static void check_bounds(const struct proto_parser *ps)
{
    if (ps->state == 0 && ps->oplen == 0 && !proto_parser_idle(ps)) {
        fprintf(stderr, "fuzz_parser: memory held between ops\n");
        abort();
    }
    if (ps->arglen > (uint64_t)ps->max_control_line + 1) {
        fprintf(stderr, "fuzz_parser: carried line %u over limit %u\n", ps->arglen,
                ps->max_control_line);
        abort();
    }
    if (ps->msgbuf) {
        uint64_t names = (uint64_t)ps->pm.subject_len + ps->pm.reply_len;
        if (ps->msgcap > names + 2 * (uint64_t)ps->msglen ||
            ps->msgcap > names + (uint64_t)ps->pm.size + 2) {
            fprintf(stderr, "fuzz_parser: payload buffer %u for %u bytes of %u\n", ps->msgcap,
                    ps->msglen, ps->pm.size);
            abort();
        }
    }
}

/* Feeds in[0..len) in chunks ending at cuts[] (sorted; len ends the last); fills r. */
static void run(const struct setup *s, const uint8_t *in, size_t len, const size_t *cuts,
                size_t ncuts, struct rec *r)
{
    struct proto_parser ps;
    enum proto_status st = PROTO_OK;
    size_t at = 0;

    memset(r, 0, sizeof(*r));
    r->stop_at = s->stop_at;
    r->h.connect = on_connect;
    if (!s->no_pub_line)
        r->h.pub_line = on_pub_line;
    r->h.msg = on_msg;
    r->h.sub = on_sub;
    r->h.unsub = on_unsub;
    r->h.ping = on_ping;
    r->h.pong = on_pong;
    if (s->info)
        r->h.info = on_info;
    if (s->trace)
        r->h.trace = on_trace;
    proto_parser_init(&ps, &r->h, r);
    ps.headers = s->headers;
    ps.need_connect = s->need_connect;
    ps.max_payload = s->max_payload;
    ps.max_control_line = s->mcl;

    for (size_t k = 0; k <= ncuts && st == PROTO_OK; k++) {
        size_t end = k < ncuts ? cuts[k] : len;
        st = proto_parse(&ps, (const char *)in + at, end - at);
        if (st == PROTO_OK)
            check_bounds(&ps);
        else
            r->dead = 1;
        at = end;
    }
    put(r, "=", 1);
    num(r, st);
    proto_parser_release(&ps);
}

static void compare(const struct rec *a, const struct rec *b, const char *what)
{
    if (a->len == b->len && memcmp(a->buf, b->buf, a->len) == 0)
        return;
    size_t k = 0;
    while (k < a->len && k < b->len && a->buf[k] == b->buf[k])
        k++;
    fprintf(stderr,
            "fuzz_parser: %s run differs from the one-call run at record byte %zu "
            "(lengths %zu vs %zu, %d vs %d callbacks)\n",
            what, k, b->len, a->len, b->calls, a->calls);
    abort();
}

static int cmp_size(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    return a < b ? -1 : a > b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct setup s;
    size_t cuts[MAX_CUTS];
    size_t ncuts, off;
    struct rec one, chunked;

    if (size < HDR)
        return 0;
    /* data[0]: bit 0 headers, 1 need_connect, 2 trace, 3 info callback, 4 small control
     * line limit (data[2]), 5 small max_payload (data[3]; 0 there: unlimited), 6 no
     * pub_line callback */
    s.headers = data[0] & 1;
    s.need_connect = (data[0] >> 1) & 1;
    s.trace = (data[0] >> 2) & 1;
    s.info = (data[0] >> 3) & 1;
    s.mcl = (data[0] & 0x10) ? data[2] : 4096;
    s.max_payload = (data[0] & 0x20) ? data[3] : 1024 * 1024;
    s.no_pub_line = (data[0] >> 6) & 1;
    /* data[1]: low nibble split offsets (up to 15, so up to 16 chunks), high nibble the
     * callback that stops the run (0: none) */
    ncuts = data[1] & 0x0f;
    s.stop_at = data[1] >> 4;
    off = HDR + 2 * ncuts;
    if (size < off)
        return 0;
    const uint8_t *in = data + off;
    size_t len = size - off;
    for (size_t k = 0; k < ncuts; k++) {
        size_t v = (size_t)data[HDR + 2 * k] | (size_t)data[HDR + 2 * k + 1] << 8;
        cuts[k] = v % (len + 1);
    }
    qsort(cuts, ncuts, sizeof(cuts[0]), cmp_size);

    run(&s, in, len, NULL, 0, &one);
    run(&s, in, len, cuts, ncuts, &chunked);
    compare(&one, &chunked, "chunked");
    free(chunked.buf);
    if (len <= BYTEWISE_MAX) {
        size_t *each = malloc((len ? len : 1) * sizeof(*each));
        if (!each)
            abort();
        for (size_t k = 0; k + 1 < len; k++)
            each[k] = k + 1;
        run(&s, in, len, each, len ? len - 1 : 0, &chunked);
        compare(&one, &chunked, "byte-by-byte");
        free(chunked.buf);
        free(each);
    }
    free(one.buf);
    return 0;
}
