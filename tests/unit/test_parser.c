/* Unit tests for the client-protocol parser (src/proto/parser.c). Every callback is recorded
 * as a line of text, so a run is one string: the key property is that feeding a script in one
 * call, byte by byte, split at every position, or split at random gives the same string.
 * Also: each op and error as nats-server 2.9.10 treats it, the limits, and the memory rules
 * (nothing held between ops, a straddling payload grows with what has arrived).
 * Design: docs/internals/parser.md */
#include "proto/parser.h"

#include "test.h"

#include <stdarg.h>
#include <stdlib.h>

/* ---- recorder ---- */

struct cfg {
    bool headers;
    bool need_connect;
    bool trace;
    bool info; /* set the info callback */
    int64_t max_payload;
    uint32_t mcl;
    int stop_at; /* the stop_at-th callback (trace excluded) returns non-zero; 0: never */
};

static const struct cfg defcfg = {.max_payload = 1024 * 1024, .mcl = 4096};

struct rec {
    struct proto_handlers h;
    char *buf;
    size_t len, cap;
    int calls;
    int stop_at;
    bool dead; /* proto_parse returned non-OK: no callback may follow */
};

static void rec_put(struct rec *r, const char *p, size_t n)
{
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 256;
        while (cap < r->len + n + 1)
            cap *= 2;
        r->buf = realloc(r->buf, cap);
        ASSERT(r->buf != NULL);
        r->cap = cap;
    }
    memcpy(r->buf + r->len, p, n);
    r->len += n;
    r->buf[r->len] = '\0';
}

static void rec_printf(struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rec_printf(struct rec *r, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    rec_put(r, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* Bytes as text: printable ASCII as is, \r \n \t and \xHH otherwise; NULL as "-". */
static void rec_bytes(struct rec *r, const char *p, size_t n)
{
    if (!p) {
        rec_put(r, "-", 1);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\r')
            rec_put(r, "\\r", 2);
        else if (c == '\n')
            rec_put(r, "\\n", 2);
        else if (c == '\t')
            rec_put(r, "\\t", 2);
        else if (c == '\\')
            rec_put(r, "\\\\", 2);
        else if (c < 32 || c > 126)
            rec_printf(r, "\\x%02x", c);
        else
            rec_put(r, (const char *)&c, 1);
    }
}

/* Counts a callback; returns what it must return. */
static int rec_call(struct rec *r)
{
    ASSERT(!r->dead);
    r->calls++;
    return r->stop_at > 0 && r->calls == r->stop_at;
}

static int on_connect(void *ctx, const char *json, size_t len)
{
    struct rec *r = ctx;
    rec_put(r, "CONNECT ", 8);
    rec_bytes(r, json, len);
    rec_put(r, "\n", 1);
    return rec_call(r);
}

static void rec_msg(struct rec *r, const char *what, const struct proto_msg *m)
{
    rec_put(r, what, strlen(what));
    rec_put(r, " ", 1);
    rec_bytes(r, m->subject, m->subject_len);
    rec_put(r, " ", 1);
    rec_bytes(r, m->reply, m->reply_len);
    rec_printf(r, " %d %u", (int)m->hdr_len, (unsigned)m->size);
}

static int on_pub_line(void *ctx, const struct proto_msg *m)
{
    struct rec *r = ctx;
    rec_msg(r, "PUBLINE", m);
    rec_put(r, "\n", 1);
    return rec_call(r);
}

static int on_msg(void *ctx, const struct proto_msg *m)
{
    struct rec *r = ctx;
    rec_msg(r, "MSG", m);
    rec_put(r, " ", 1);
    rec_bytes(r, m->payload, m->size);
    rec_put(r, "\n", 1);
    return rec_call(r);
}

static int on_sub(void *ctx, const char *subj, size_t slen, const char *queue, size_t qlen,
                  const char *sid, size_t sidlen)
{
    struct rec *r = ctx;
    rec_put(r, "SUB ", 4);
    rec_bytes(r, subj, slen);
    rec_put(r, " ", 1);
    rec_bytes(r, queue, qlen);
    rec_put(r, " ", 1);
    rec_bytes(r, sid, sidlen);
    rec_put(r, "\n", 1);
    return rec_call(r);
}

static int on_unsub(void *ctx, const char *sid, size_t sidlen, int64_t max)
{
    struct rec *r = ctx;
    rec_put(r, "UNSUB ", 6);
    rec_bytes(r, sid, sidlen);
    rec_printf(r, " %lld\n", (long long)max);
    return rec_call(r);
}

static int on_ping(void *ctx)
{
    struct rec *r = ctx;
    rec_put(r, "PING\n", 5);
    return rec_call(r);
}

static int on_pong(void *ctx)
{
    struct rec *r = ctx;
    rec_put(r, "PONG\n", 5);
    return rec_call(r);
}

static void on_trace(void *ctx, const char *op, const char *arg, size_t arglen)
{
    struct rec *r = ctx;
    ASSERT(!r->dead);
    rec_printf(r, "TRACE %s ", op);
    rec_bytes(r, arg, arglen);
    rec_put(r, "\n", 1);
}

static int on_info(void *ctx, const char *json, size_t len)
{
    struct rec *r = ctx;
    rec_put(r, "INFO ", 5);
    rec_bytes(r, json, len);
    rec_put(r, "\n", 1);
    return rec_call(r);
}

static const struct proto_handlers handlers = {
    .connect = on_connect,
    .pub_line = on_pub_line,
    .msg = on_msg,
    .sub = on_sub,
    .unsub = on_unsub,
    .ping = on_ping,
    .pong = on_pong,
};

static const char *status_name(enum proto_status st)
{
    switch (st) {
    case PROTO_OK:
        return "OK";
    case PROTO_STOP:
        return "STOP";
    case PROTO_ERR_UNKNOWN_OP:
        return "UNKNOWN_OP";
    case PROTO_ERR_AUTH_FIRST:
        return "AUTH_FIRST";
    case PROTO_ERR_CONTROL_LINE:
        return "CONTROL_LINE";
    case PROTO_ERR_MAX_PAYLOAD:
        return "MAX_PAYLOAD";
    case PROTO_ERR_ARGS:
        return "ARGS";
    case PROTO_ERR_NO_HEADERS:
        return "NO_HEADERS";
    case PROTO_ERR_CLIENT_ERR:
        return "CLIENT_ERR";
    }
    return "?";
}

static void setup(struct proto_parser *ps, struct rec *r, const struct cfg *c)
{
    memset(r, 0, sizeof(*r));
    r->stop_at = c->stop_at;
    r->h = handlers;
    if (c->trace)
        r->h.trace = on_trace;
    if (c->info)
        r->h.info = on_info;
    proto_parser_init(ps, &r->h, r);
    ps->headers = c->headers;
    ps->need_connect = c->need_connect;
    ps->max_payload = c->max_payload;
    ps->max_control_line = c->mcl;
}

/* The parser's memory rules, checked after every call that returned OK (parser.md, carry-over
 * invariants): a partial control line never exceeds the limit (+1 for a pending '\r'), and a
 * straddling message holds the names plus at most twice what has arrived. ST_OP is state 0. */
static void check_memory(const struct proto_parser *ps)
{
    if (ps->state == 0 && ps->oplen == 0)
        ASSERT(proto_parser_idle(ps));
    ASSERT(ps->arglen <= ps->max_control_line + 1);
    if (ps->msgbuf) {
        uint64_t names = (uint64_t)ps->pm.subject_len + ps->pm.reply_len;
        ASSERT(ps->msgcap <= names + 2 * (uint64_t)ps->msglen);
        ASSERT(ps->msgcap <= names + (uint64_t)ps->pm.size + 2);
    }
}

/* Up to 8 results stay alive, so a test can compare a few of them. */
static char *keep(char *s)
{
    static char *ring[8];
    static unsigned next;
    free(ring[next % 8]);
    ring[next % 8] = s;
    next++;
    return s;
}

/* Feeds in[0..len) in chunks ending at the sorted cut offsets; returns the record, ending
 * "=<status>". Stops feeding at the first status that is not OK. */
static const char *run_cuts(const struct cfg *c, const char *in, size_t len, const size_t *cuts,
                            size_t ncuts)
{
    struct proto_parser ps;
    struct rec r;
    enum proto_status st = PROTO_OK;
    size_t at = 0;

    setup(&ps, &r, c);
    for (size_t k = 0; k <= ncuts && st == PROTO_OK; k++) {
        size_t end = k < ncuts ? cuts[k] : len;
        ASSERT(end >= at && end <= len);
        st = proto_parse(&ps, in + at, end - at);
        if (st == PROTO_OK)
            check_memory(&ps);
        else
            r.dead = true;
        at = end;
    }
    rec_printf(&r, "=%s", status_name(st));
    proto_parser_release(&ps);
    return keep(r.buf);
}

static const char *run_n(const struct cfg *c, const char *in, size_t len)
{
    return run_cuts(c, in, len, NULL, 0);
}

static const char *run(const struct cfg *c, const char *in)
{
    return run_n(c, in, strlen(in));
}

static const char *run_bytewise(const struct cfg *c, const char *in, size_t len)
{
    size_t *cuts = malloc((len ? len : 1) * sizeof(*cuts));
    for (size_t i = 0; i + 1 < len; i++)
        cuts[i] = i + 1;
    const char *out = run_cuts(c, in, len, cuts, len ? len - 1 : 0);
    free(cuts);
    return out;
}

/* Errmsg of a one-shot run that must fail with want. */
static const char *errmsg_of(const struct cfg *c, const char *in, enum proto_status want)
{
    static char msg[sizeof(((struct proto_parser *)0)->errmsg)];
    struct proto_parser ps;
    struct rec r;
    setup(&ps, &r, c);
    enum proto_status st = proto_parse(&ps, in, strlen(in));
    ASSERT_STR_EQ(status_name(st), status_name(want));
    memcpy(msg, ps.errmsg, sizeof(msg));
    proto_parser_release(&ps);
    free(r.buf);
    return msg;
}

/* Asserts the one-shot, byte-by-byte and every-2-way-split runs all give want. */
static void expect_all_splits(const struct cfg *c, const char *in, size_t len, const char *want)
{
    ASSERT_STR_EQ(run_n(c, in, len), want);
    ASSERT_STR_EQ(run_bytewise(c, in, len), want);
    for (size_t cut = 1; cut < len; cut++) {
        const char *got = run_cuts(c, in, len, &cut, 1);
        if (strcmp(got, want) != 0)
            test_fail(__FILE__, __LINE__, "split at %zu of %zu:\n  got:  %s\n  want: %s", cut, len,
                      got, want);
    }
}

#define EXPECT(c, in, want) expect_all_splits((c), (in), sizeof(in) - 1, (want))

/* ---- every op ---- */

TEST(parser_ping_pong)
{
    EXPECT(&defcfg, "PING\r\nPONG\r\n", "PING\nPONG\n=OK");
}

TEST(parser_op_names_are_case_insensitive)
{
    EXPECT(&defcfg,
           "ping\r\nPoNg\r\ncOnNeCt {}\r\nsub a 1\r\nPub a 1\r\nx\r\nunSUB 1\r\n+ok\r\n"
           "iNfO {}\r\n",
           "PING\nPONG\nCONNECT {}\nSUB a - 1\nPUBLINE a - -1 1\nMSG a - -1 1 x\nUNSUB 1 -1\n=OK");
    struct cfg c = defcfg;
    c.headers = true;
    EXPECT(&c, "hPuB a 2 3\r\nxyz\r\n", "PUBLINE a - 2 3\nMSG a - 2 3 xyz\n=OK");
}

TEST(parser_tabs_separate_arguments)
{
    EXPECT(&defcfg, "SUB\tfoo\t\tq\t 7\r\nPUB\tfoo\t\t2\r\nhi\r\nUNSUB\t7\t 3\r\n",
           "SUB foo q 7\nPUBLINE foo - -1 2\nMSG foo - -1 2 hi\nUNSUB 7 3\n=OK");
}

TEST(parser_bare_newline_ends_a_line)
{
    EXPECT(&defcfg, "PING\nSUB a 1\nPUB a 1\nx\r\nCONNECT {}\n",
           "PING\nSUB a - 1\nPUBLINE a - -1 1\nMSG a - -1 1 x\nCONNECT {}\n=OK");
}

TEST(parser_ping_pong_ok_ignore_trailing_bytes)
{
    EXPECT(&defcfg, "PING extra stuff\r\nPONGPONG\r\n+OK whatever\r\n+OKx\nPINGX\n",
           "PING\nPONG\nPING\n=OK");
    /* the rest of the line is never buffered, however long */
    char big[20000];
    memcpy(big, "PING ", 5);
    memset(big + 5, 'x', sizeof(big) - 8);
    memcpy(big + sizeof(big) - 3, "\r\n", 2);
    big[sizeof(big) - 1] = '\0';
    struct cfg c = defcfg;
    c.mcl = 16;
    ASSERT_STR_EQ(run(&c, big), "PING\n=OK");
    ASSERT_STR_EQ(run_bytewise(&c, big, strlen(big)), "PING\n=OK");
}

TEST(parser_pub_without_and_with_reply)
{
    EXPECT(&defcfg, "PUB foo 5\r\nhello\r\nPUB foo _INBOX.1 3\r\nabc\r\n",
           "PUBLINE foo - -1 5\nMSG foo - -1 5 hello\n"
           "PUBLINE foo _INBOX.1 -1 3\nMSG foo _INBOX.1 -1 3 abc\n=OK");
}

TEST(parser_hpub_without_and_with_reply)
{
    struct cfg c = defcfg;
    c.headers = true;
    EXPECT(&c, "HPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\nHPUB foo r 12 12\r\nNATS/1.0\r\n\r\n\r\n",
           "PUBLINE foo - 12 14\nMSG foo - 12 14 NATS/1.0\\r\\n\\r\\nhi\n"
           "PUBLINE foo r 12 12\nMSG foo r 12 12 NATS/1.0\\r\\n\\r\\n\n=OK");
}

TEST(parser_hpub_zero_header_size_is_a_plain_message)
{
    struct cfg c = defcfg;
    c.headers = true;
    EXPECT(&c, "HPUB foo 0 2\r\nhi\r\n", "PUBLINE foo - -1 2\nMSG foo - -1 2 hi\n=OK");
}

TEST(parser_zero_length_payloads)
{
    struct cfg c = defcfg;
    c.headers = true;
    EXPECT(&c, "PUB a 0\r\n\r\nPUB a r 0\r\n\r\nHPUB a 0 0\r\n\r\nPING\r\n",
           "PUBLINE a - -1 0\nMSG a - -1 0 \nPUBLINE a r -1 0\nMSG a r -1 0 \n"
           "PUBLINE a - -1 0\nMSG a - -1 0 \nPING\n=OK");
}

TEST(parser_payload_may_contain_crlf_and_op_names)
{
    EXPECT(&defcfg, "PUB a 12\r\n\r\nPING\r\n\r\n\r\n\r\nPING\r\n",
           "PUBLINE a - -1 12\nMSG a - -1 12 \\r\\nPING\\r\\n\\r\\n\\r\\n\nPING\n=OK");
}

TEST(parser_payload_bytes_are_opaque)
{
    static const char in[] = "PUB a 4\r\n\0\xff\n\r\r\n";
    EXPECT(&defcfg, in, "PUBLINE a - -1 4\nMSG a - -1 4 \\x00\\xff\\n\\r\n=OK");
}

TEST(parser_sub_with_and_without_queue)
{
    EXPECT(&defcfg, "SUB foo.* 1\r\nSUB foo.> workers 22\r\n",
           "SUB foo.* - 1\nSUB foo.> workers 22\n=OK");
}

TEST(parser_unsub_with_and_without_max)
{
    EXPECT(&defcfg, "UNSUB 1\r\nUNSUB 2 10\r\nUNSUB 3 0\r\n",
           "UNSUB 1 -1\nUNSUB 2 10\nUNSUB 3 0\n=OK");
}

TEST(parser_unsub_bad_max_means_unsubscribe_now)
{
    /* parser.go processUnsub: parseSize gives -1, and any max <= 0 removes the sub (live: +OK) */
    EXPECT(&defcfg, "UNSUB 1 abc\r\nUNSUB 2 -5\r\nUNSUB 3 1234567890\r\n",
           "UNSUB 1 0\nUNSUB 2 0\nUNSUB 3 0\n=OK");
}

TEST(parser_connect_passes_json_verbatim)
{
    EXPECT(&defcfg, "CONNECT {\"verbose\":false,\"name\":\"a b\\tc\"}\r\n",
           "CONNECT {\"verbose\":false,\"name\":\"a b\\\\tc\"}\n=OK");
    EXPECT(&defcfg, "CONNECT \t {\"a\":1} \r\n", "CONNECT {\"a\":1} \n=OK");
}

TEST(parser_connect_and_info_need_no_blank)
{
    /* parser.go OP_CONNECT/OP_INFO: the first non-blank byte starts the argument (live:
     * CONNECT{"verbose":true} gets +OK) */
    EXPECT(&defcfg, "CONNECT{}\r\nINFO{}\r\nPING\r\n", "CONNECT {}\nPING\n=OK");
    EXPECT(&defcfg, "CONNECT\r\n", "CONNECT \n=OK");
}

TEST(parser_info_from_client_is_ignored)
{
    EXPECT(&defcfg, "INFO {\"server_id\":\"x\"}\r\nINFO junk\r\nPING\r\n", "PING\n=OK");
}

TEST(parser_info_callback_sees_the_json)
{
    struct cfg c = defcfg;
    c.info = true;
    EXPECT(&c, "INFO {\"a\":1}\r\nINFO{}\r\nINFO\t \r\n", "INFO {\"a\":1}\nINFO {}\nINFO \n=OK");
    c.stop_at = 1;
    EXPECT(&c, "INFO junk\r\nPING\r\n", "INFO junk\n=STOP");
}

TEST(parser_first_argument_byte_is_never_a_line_end)
{
    /* parser.go starts the argument (c.as) at the first non-blank byte, whatever it is; live
     * 2.9.10 takes "SUB \nfoo 1" as SUB foo 1 and "CONNECT\n{...}" as a CONNECT */
    EXPECT(&defcfg, "SUB \nfoo 1\r\n", "SUB foo - 1\n=OK");
    EXPECT(&defcfg, "CONNECT\n{}\r\n", "CONNECT \\n{}\n=OK");
    EXPECT(&defcfg, "UNSUB \n\r\n", "=ARGS");
    ASSERT_STR_EQ(errmsg_of(&defcfg, "UNSUB \n\r\n", PROTO_ERR_ARGS),
                  "processUnsub Parse Error: \"\\n\"");
}

TEST(parser_pub_splits_on_blanks_only)
{
    /* processPub splits on ' ' and '\t' only: the subject keeps a stray \n or \r (live: the
     * message then matches no "foo" subscriber) */
    EXPECT(&defcfg, "PUB \nfoo 1\r\nx\r\n", "PUBLINE \\nfoo - -1 1\nMSG \\nfoo - -1 1 x\n=OK");
    EXPECT(&defcfg, "PUB a\rb 1\r\nx\r\n", "PUBLINE a\\rb - -1 1\nMSG a\\rb - -1 1 x\n=OK");
    /* SUB splits on them too (splitArg) */
    EXPECT(&defcfg, "SUB a\rb 1\r\n", "SUB a b 1\n=OK");
}

TEST(parser_client_err_closes)
{
    EXPECT(&defcfg, "PING\r\n-ERR 'Slow Consumer'\r\nPING\r\n", "PING\n=CLIENT_ERR");
    ASSERT_STR_EQ(errmsg_of(&defcfg, "-ERR foo bar\r\n", PROTO_ERR_CLIENT_ERR),
                  "Client Error foo bar");
}

/* ---- unknown ops fail at the first impossible byte ---- */

static void expect_unknown_at(const char *in, const char *i_is)
{
    const char *msg = errmsg_of(&defcfg, in, PROTO_ERR_UNKNOWN_OP);
    if (!strstr(msg, i_is))
        test_fail(__FILE__, __LINE__, "input \"%s\": want \"%s\" in \"%s\"", in, i_is, msg);
}

TEST(parser_unknown_op_fails_at_first_impossible_byte)
{
    EXPECT(&defcfg, "X", "=UNKNOWN_OP");
    EXPECT(&defcfg, "PUX", "=UNKNOWN_OP");
    EXPECT(&defcfg, "PING\r\nMSG", "PING\n=UNKNOWN_OP");
    EXPECT(&defcfg, "SUBX", "=UNKNOWN_OP");
    expect_unknown_at("X", "i=0:");
    expect_unknown_at("PUX", "i=2:");
    expect_unknown_at("MSG foo 1 2\r\n", "i=0:");
    expect_unknown_at("HMSG foo 1 2\r\n", "i=1:");
    expect_unknown_at("RS+ foo\r\n", "i=0:");
    expect_unknown_at("A+ foo\r\n", "i=0:");
    expect_unknown_at("LS+ foo\r\n", "i=0:");
    expect_unknown_at("SUBX", "i=3:");
    expect_unknown_at("UNSUBS", "i=5:");
    expect_unknown_at("CONNEXT", "i=5:");
    expect_unknown_at("+OX", "i=2:");
    expect_unknown_at("-ERX", "i=3:");
    expect_unknown_at("PINX", "i=3:");
    expect_unknown_at("\r\n", "i=0:");
    expect_unknown_at("\n", "i=0:");
    expect_unknown_at(" PING\r\n", "i=0:");
}

TEST(parser_op_without_its_blank_is_unknown)
{
    EXPECT(&defcfg, "PUB\r\n", "=UNKNOWN_OP");
    EXPECT(&defcfg, "SUB\r\n", "=UNKNOWN_OP");
    EXPECT(&defcfg, "UNSUB\r\n", "=UNKNOWN_OP");
    EXPECT(&defcfg, "-ERR\r\n", "=UNKNOWN_OP");
    EXPECT(&defcfg, "PUBfoo 1\r\n", "=UNKNOWN_OP");
    struct cfg c = defcfg;
    c.headers = true;
    EXPECT(&c, "HPUB\r\n", "=UNKNOWN_OP");
    expect_unknown_at("PUB\r\n", "i=3:");
    expect_unknown_at("-ERR\r\n", "i=4:");
}

TEST(parser_unknown_op_log_snippet_matches_reference)
{
    /* live 2.9.10: Client parser ERROR, state=0, i=27: proto='"MSG foo 1 2\r"...' (the
     * reference's protoSnippet drops the last byte when the buffer ends first) */
    ASSERT_STR_EQ(errmsg_of(&defcfg, "MSG foo 1 2\r\n", PROTO_ERR_UNKNOWN_OP),
                  "Client parser ERROR, state=0, i=0: proto='\"MSG foo 1 2\\r\"...'");
}

/* ---- argument errors: close without -ERR ---- */

TEST(parser_bad_argument_counts)
{
    struct cfg c = defcfg;
    c.headers = true;
    EXPECT(&c, "PUB foo\r\n", "=ARGS");
    EXPECT(&c, "PUB foo bar baz 1\r\n", "=ARGS");
    EXPECT(&c, "PUB \r\n", "=ARGS");
    EXPECT(&c, "HPUB foo 1\r\n", "=ARGS");
    EXPECT(&c, "HPUB foo a b 1 2\r\n", "=ARGS");
    EXPECT(&c, "SUB foo\r\n", "=ARGS");
    EXPECT(&c, "SUB foo q 1 extra\r\n", "=ARGS");
    EXPECT(&c, "UNSUB\t \r\n", "=ARGS");
    EXPECT(&c, "UNSUB 1 2 3\r\n", "=ARGS");
    EXPECT(&c, "SUB a 1\r\nSUB b\r\nPING\r\n", "SUB a - 1\n=ARGS");
}

TEST(parser_bad_sizes)
{
    struct cfg c = defcfg;
    c.headers = true;
    c.max_payload = 0; /* unlimited, so only the syntax is checked */
    EXPECT(&c, "PUB foo -1\r\n", "=ARGS");
    EXPECT(&c, "PUB foo 1x\r\n", "=ARGS");
    EXPECT(&c, "PUB foo +1\r\n", "=ARGS");
    EXPECT(&c, "PUB foo 1234567890\r\n", "=ARGS"); /* 10 digits */
    EXPECT(&c, "PUB foo 0000000001\r\n", "=ARGS");
    EXPECT(&c, "HPUB foo x 2\r\n", "=ARGS");
    EXPECT(&c, "HPUB foo 1 x\r\n", "=ARGS");
    EXPECT(&c, "HPUB foo 1 1234567890\r\n", "=ARGS");
    /* 9 digits is the most the reference takes */
    EXPECT(&c, "PUB foo 000000001\r\nx\r\n", "PUBLINE foo - -1 1\nMSG foo - -1 1 x\n=OK");
}

TEST(parser_hpub_header_larger_than_total)
{
    struct cfg c = defcfg;
    c.headers = true;
    EXPECT(&c, "HPUB foo 5 3\r\nabc\r\n", "=ARGS");
    EXPECT(&c, "HPUB foo 3 3\r\nabc\r\n", "PUBLINE foo - 3 3\nMSG foo - 3 3 abc\n=OK");
}

TEST(parser_hpub_without_headers_negotiated)
{
    EXPECT(&defcfg, "PING\r\nHPUB foo 0 3\r\nabc\r\n", "PING\n=NO_HEADERS");
    ASSERT_STR_EQ(errmsg_of(&defcfg, "HPUB foo 0 3\r\n", PROTO_ERR_NO_HEADERS),
                  "message headers not supported");
}

TEST(parser_argument_error_log_texts)
{
    struct cfg c = defcfg;
    c.headers = true;
    /* the texts 2.9.10 logs (live, see reference-behaviour.md 1.1) */
    ASSERT_STR_EQ(errmsg_of(&c, "PUB foo -1\r\n", PROTO_ERR_ARGS),
                  "processPub Bad or Missing Size: \"foo -1\"");
    ASSERT_STR_EQ(errmsg_of(&c, "PUB foo bar baz 1\r\n", PROTO_ERR_ARGS),
                  "processPub Parse Error: \"foo bar baz 1\"");
    ASSERT_STR_EQ(errmsg_of(&c, "SUB foo bar baz qux\r\n", PROTO_ERR_ARGS),
                  "processSub Parse Error: \"foo bar baz qux\"");
    ASSERT_STR_EQ(errmsg_of(&c, "UNSUB 1 2 3\r\n", PROTO_ERR_ARGS),
                  "processUnsub Parse Error: \"1 2 3\"");
    ASSERT_STR_EQ(errmsg_of(&c, "HPUB foo 5 3\r\n", PROTO_ERR_ARGS),
                  "processHeaderPub Header Size larger then TotalSize: \"foo 5 3\"");
    ASSERT_STR_EQ(errmsg_of(&c, "PUB foo\tbar baz 1\r\n", PROTO_ERR_ARGS),
                  "processPub Parse Error: \"foo\\tbar baz 1\"");
}

/* ---- payload terminator ---- */

TEST(parser_bad_payload_terminator)
{
    EXPECT(&defcfg, "PUB a 2\r\nabcd", "PUBLINE a - -1 2\n=UNKNOWN_OP");
    EXPECT(&defcfg, "PUB a 2\r\nab\rX", "PUBLINE a - -1 2\n=UNKNOWN_OP");
    EXPECT(&defcfg, "PUB a 2\r\nab\n\r", "PUBLINE a - -1 2\n=UNKNOWN_OP");
    EXPECT(&defcfg, "PUB a 0\r\nX", "PUBLINE a - -1 0\n=UNKNOWN_OP");
}

TEST(parser_bad_terminator_fails_at_its_byte)
{
    /* live 2.9.10 answers "PUB foo 2\r\nabX" at once, without waiting for a 4th byte */
    EXPECT(&defcfg, "PUB a 2\r\nabX", "PUBLINE a - -1 2\n=UNKNOWN_OP");
    EXPECT(&defcfg, "PUB a 2\r\nab\rX", "PUBLINE a - -1 2\n=UNKNOWN_OP");
    ASSERT_STR_EQ(errmsg_of(&defcfg, "PUB a 2\r\nabX", PROTO_ERR_UNKNOWN_OP),
                  "Client parser ERROR, state=41, i=11: proto='\"\"...'");
}

/* ---- limits ---- */

TEST(parser_max_payload_checked_at_control_line)
{
    struct cfg c = defcfg;
    c.headers = true;
    c.max_payload = 10;
    EXPECT(&c, "PUB a 10\r\n0123456789\r\nPUB a 11\r\n",
           "PUBLINE a - -1 10\n"
           "MSG a - -1 10 0123456789\n"
           "=MAX_PAYLOAD");
    EXPECT(&c, "HPUB a 2 11\r\n", "=MAX_PAYLOAD");
    ASSERT_STR_EQ(errmsg_of(&defcfg, "PUB foo 1048577\r\n", PROTO_ERR_MAX_PAYLOAD),
                  "maximum payload exceeded: 1048577 vs 1048576");
    /* argument errors come first, as in processPub */
    EXPECT(&c, "PUB a b c 11\r\n", "=ARGS");
}

TEST(parser_max_payload_zero_is_unlimited)
{
    struct cfg c = defcfg;
    c.max_payload = 0;
    ASSERT_STR_EQ(run(&c, "PUB a 999999999\r\n"), "PUBLINE a - -1 999999999\n=OK");
}

/* Builds "SUB " + blanks + a SUB argument of exactly n bytes + tail. */
static char *sub_line(size_t n, const char *blanks, const char *tail)
{
    size_t bl = strlen(blanks), tl = strlen(tail);
    char *s = malloc(4 + bl + n + tl + 1);
    memcpy(s, "SUB ", 4);
    memcpy(s + 4, blanks, bl);
    memset(s + 4 + bl, 'x', n);
    memcpy(s + 4 + bl + n - 2, " 1", 2); /* subject x..x, sid 1 */
    memcpy(s + 4 + bl + n, tail, tl + 1);
    return s;
}

TEST(parser_max_control_line_complete_line)
{
    struct cfg c = defcfg;
    char *ok = sub_line(4096, "", "\r\nPING\r\n");
    char *over = sub_line(4097, "", "\r\nPING\r\n");
    char *blanks = sub_line(4096, " \t \t  \t", "\r\nPING\r\n"); /* blanks after the op are free */
    char *bare = sub_line(4096, "", "\nPING\r\n");
    ASSERT_MATCH(run(&c, ok), "^SUB x{4094} - 1\nPING\n=OK$");
    ASSERT_STR_EQ(run(&c, over), "=CONTROL_LINE");
    ASSERT_MATCH(run(&c, blanks), "^SUB x{4094} - 1\nPING\n=OK$");
    ASSERT_MATCH(run(&c, bare), "^SUB x{4094} - 1\nPING\n=OK$");
    ASSERT_MATCH(errmsg_of(&c, over, PROTO_ERR_CONTROL_LINE),
                 "^maximum control line exceeded: State 47, max_control_line 4096, "
                 "Buffer len 0 \\(snip: \"x{128}\"\\.\\.\\.\\)$");
    free(ok);
    free(over);
    free(blanks);
    free(bare);
    /* every op's line counts, CONNECT and -ERR included */
    c.mcl = 4;
    ASSERT_STR_EQ(run(&c, "CONNECT {\"a\":1}\r\n"), "=CONTROL_LINE");
    ASSERT_STR_EQ(run(&c, "-ERR 'abcdef'\r\n"), "=CONTROL_LINE");
    ASSERT_STR_EQ(run(&c, "INFO {\"a\":1}\r\n"), "=CONTROL_LINE");
    ASSERT_STR_EQ(run(&c, "UNSUB 1234\r\nUNSUB 12345\r\n"), "UNSUB 1234 -1\n=CONTROL_LINE");
}

TEST(parser_max_control_line_split_lines)
{
    struct cfg c = defcfg;
    c.mcl = 40;
    /* exactly at the limit: accepted wherever it is split, also between '\r' and '\n'
     * (live 2.9.10 takes a 4096-byte SUB split there) */
    char *ok = sub_line(40, "  ", "\r\nPING\r\n");
    char want[128];
    snprintf(want, sizeof(want), "SUB %.*s - 1\nPING\n=OK", 38, ok + 6);
    expect_all_splits(&c, ok, strlen(ok), want);
    char *okbare = sub_line(40, "", "\nPING\r\n");
    expect_all_splits(&c, okbare, strlen(okbare), want);
    /* one over: refused wherever it is split */
    char *over = sub_line(41, "", "\r\nPING\r\n");
    expect_all_splits(&c, over, strlen(over), "=CONTROL_LINE");
    /* without a line end: refused once the carried bytes pass the limit, long before '\n' */
    char *open = sub_line(60, "", "");
    expect_all_splits(&c, open, strlen(open), "=CONTROL_LINE");
    size_t cut = 4 + 41;
    ASSERT_STR_EQ(run_cuts(&c, open, strlen(open), &cut, 1), "=CONTROL_LINE");
    /* 40 bytes and a '\r' may wait for the '\n'; a 42nd byte may not */
    struct proto_parser ps;
    struct rec r;
    setup(&ps, &r, &c);
    ASSERT_EQ(proto_parse(&ps, ok, 4 + 2 + 40 + 1), PROTO_OK);
    ASSERT_EQ(proto_parse(&ps, "X", 1), PROTO_ERR_CONTROL_LINE);
    proto_parser_release(&ps);
    free(r.buf);
    free(ok);
    free(okbare);
    free(over);
    free(open);
}

TEST(parser_need_connect_first)
{
    struct cfg c = defcfg;
    c.need_connect = true;
    EXPECT(&c, "PING\r\n", "=AUTH_FIRST");
    EXPECT(&c, "SUB a 1\r\n", "=AUTH_FIRST");
    EXPECT(&c, "\r\n", "=AUTH_FIRST");
    EXPECT(&c, "CONNECT {}\r\nPING\r\n", "CONNECT {}\nPING\n=OK");
    EXPECT(&c, "connect {}\r\nPING\r\n", "CONNECT {}\nPING\n=OK");
    /* the 'C' passes the check, the name still has to be right (parser.go OP_START) */
    EXPECT(&c, "CX", "=UNKNOWN_OP");
    /* once CONNECT has been seen, the flag is cleared for good */
    struct proto_parser ps;
    struct rec r;
    setup(&ps, &r, &c);
    ASSERT_EQ(proto_parse(&ps, "CONNECT {}\r\n", 12), PROTO_OK);
    ASSERT(!ps.need_connect);
    ASSERT_EQ(proto_parse(&ps, "PING\r\n", 6), PROTO_OK);
    proto_parser_release(&ps);
    free(r.buf);
}

TEST(parser_callback_nonzero_stops)
{
    static const char in[] = "CONNECT {}\r\nSUB a 1\r\nUNSUB 1\r\nPUB a 1\r\nx\r\nPING\r\n"
                             "PONG\r\nPUB a 2\r\nyz\r\n";
    static const char *const lines[] = {
        "CONNECT {}\n",     "SUB a - 1\n", "UNSUB 1 -1\n", "PUBLINE a - -1 1\n",
        "MSG a - -1 1 x\n", "PING\n",      "PONG\n",       "PUBLINE a - -1 2\n",
        "MSG a - -1 2 yz\n"};
    for (int k = 1; k <= 9; k++) {
        struct cfg c = defcfg;
        char want[512] = "";
        c.stop_at = k;
        for (int j = 0; j < k; j++)
            strcat(want, lines[j]);
        strcat(want, "=STOP");
        expect_all_splits(&c, in, sizeof(in) - 1, want);
    }
}

/* ---- trace ---- */

TEST(parser_trace_reports_each_control_line)
{
    struct cfg c = defcfg;
    c.trace = true;
    c.headers = true;
    EXPECT(&c,
           "CONNECT {}\r\nPING\r\nPONG x\r\n+OK\r\nINFO {}\r\nSUB a q 1\r\nUNSUB 1 2\r\n"
           "PUB a 1\r\nx\r\nHPUB a 0 0\r\n\r\n",
           "TRACE CONNECT {}\nCONNECT {}\nTRACE PING -\nPING\nTRACE PONG -\nPONG\n"
           "TRACE SUB a q 1\nSUB a q 1\nTRACE UNSUB 1 2\nUNSUB 1 2\n"
           "TRACE PUB a 1\nPUBLINE a - -1 1\nMSG a - -1 1 x\n"
           "TRACE HPUB a 0 0\nPUBLINE a - -1 0\nMSG a - -1 0 \n=OK");
}

/* ---- the split property ---- */

struct sbuf {
    char *p;
    size_t len, cap;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

static void sb_fill(struct sbuf *b, char c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sb_put(b, &c, 1);
}

/* A long pipelined script with every op, odd spacing, long names (the carry buffer grows),
 * payloads with CRLF inside, and a payload larger than the first carry allocation. */
static struct sbuf build_script(void)
{
    struct sbuf b = {0};
    char line[128];
    sb_str(&b, "CONNECT {\"verbose\":false,\"headers\":true,\"name\":\"t\"}\r\n"
               "PING\r\nping\nPONG with junk\r\n+OK\r\n+ok\tx\r\nINFO {\"server_id\":\"x\"}\r\n"
               "SUB foo 1\r\nsub\tbar\tq1\t2\r\nSUB   baz.*   3 \n"
               "PUB foo 5\r\nhello\r\npub foo reply.1 0\r\n\r\nPUB\tfoo\t\t4\r\n\r\n\r\n\r\n"
               "HPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\nhpub foo rep 12 12\r\nNATS/1.0\r\n\r\n\r\n"
               "UNSUB 1\r\nUNSUB 2 10\r\nunsub 3 x\r\nCONNECT{}\r\n");
    /* long subject and reply: arg carry grows past its first 128 bytes */
    sb_str(&b, "PUB ");
    sb_fill(&b, 's', 300);
    sb_str(&b, " ");
    sb_fill(&b, 'r', 200);
    sb_str(&b, " 3000\r\n");
    for (int i = 0; i < 3000; i++) {
        char ch = i % 97 == 0 ? '\r' : i % 97 == 1 ? '\n' : (char)('a' + i % 26);
        sb_put(&b, &ch, 1);
    }
    sb_str(&b, "\r\nSUB ");
    sb_fill(&b, 'z', 250);
    sb_str(&b, " 4\r\n");
    for (int i = 0; i < 20; i++) {
        snprintf(line, sizeof(line), "PUB s.%d %d\r\n", i, i);
        sb_str(&b, line);
        sb_fill(&b, (char)('0' + i % 10), (size_t)i);
        sb_str(&b, "\r\n");
    }
    sb_str(&b, "HPUB x 0 0\r\n\r\nPING\r\n");
    return b;
}

static struct cfg script_cfg(void)
{
    struct cfg c = defcfg;
    c.headers = true;
    c.need_connect = true;
    c.trace = true;
    return c;
}

TEST(parser_split_at_every_position_gives_same_callbacks)
{
    struct sbuf s = build_script();
    struct cfg c = script_cfg();
    const char *want = run_n(&c, s.p, s.len);
    ASSERT_MATCH(want, "=OK$");
    ASSERT_MATCH(want, "^TRACE CONNECT");
    ASSERT_MATCH(want, "\nPING\n=OK$");
    char *w = strdup(want);
    for (size_t cut = 1; cut < s.len; cut++) {
        const char *got = run_cuts(&c, s.p, s.len, &cut, 1);
        if (strcmp(got, w) != 0)
            test_fail(__FILE__, __LINE__, "split at %zu of %zu differs", cut, s.len);
    }
    free(w);
    free(s.p);
}

TEST(parser_byte_by_byte_gives_same_callbacks)
{
    struct sbuf s = build_script();
    struct cfg c = script_cfg();
    char *want = strdup(run_n(&c, s.p, s.len));
    ASSERT_STR_EQ(run_bytewise(&c, s.p, s.len), want);
    free(want);
    free(s.p);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

TEST(parser_random_splits_give_same_callbacks)
{
    struct sbuf s = build_script();
    struct cfg c = script_cfg();
    char *want = strdup(run_n(&c, s.p, s.len));
    for (int iter = 0; iter < 3000; iter++) {
        size_t cuts[64];
        size_t n = 1 + rng() % 63;
        for (size_t k = 0; k < n; k++)
            cuts[k] = (size_t)(rng() % (s.len + 1));
        qsort(cuts, n, sizeof(cuts[0]), cmp_size);
        const char *got = run_cuts(&c, s.p, s.len, cuts, n);
        if (strcmp(got, want) != 0)
            test_fail(__FILE__, __LINE__, "random split %d differs", iter);
    }
    free(want);
    free(s.p);
}

TEST(parser_splits_agree_on_errors)
{
    /* the same property when the stream ends in each kind of error */
    static const char *const tails[] = {
        "PUB a 3\r\nabcX\r\n",
        "PUB a 3\r\nabc\rX",
        "XPING\r\n",
        "PUB a b c d\r\n",
        "HPUB a 9 3\r\nabc\r\n",
        "PUB a 99999\r\n",
        "SUB a 1 2 3\r\n",
        "-ERR 'x'\r\n",
        "PING\r\nPUB\r\n",
        "SUB xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx 1\r\n",
        "UNSUB xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    };
    struct cfg c = defcfg;
    c.headers = true;
    c.max_payload = 100;
    c.mcl = 64;
    c.trace = true;
    for (size_t t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
        char in[512];
        int n = snprintf(in, sizeof(in), "SUB a 1\r\nPUB a 4\r\n\r\n\r\n%s", tails[t]);
        char *want = strdup(run_n(&c, in, (size_t)n));
        ASSERT(strstr(want, "=OK") == NULL);
        expect_all_splits(&c, in, (size_t)n, want);
        free(want);
    }
}

/* ---- memory ---- */

TEST(parser_idle_between_ops)
{
    static const char *const ops[] = {
        "CONNECT {}\r\n",
        "PING\r\n",
        "PONG\r\n",
        "+OK\r\n",
        "INFO {}\r\n",
        "SUB a 1\r\n",
        "SUB a q 1\r\n",
        "UNSUB 1 5\r\n",
        "PUB a 0\r\n\r\n",
        "PUB a r 3\r\nabc\r\n",
        "HPUB a 2 2\r\nab\r\n",
    };
    struct proto_parser ps;
    struct rec r;
    struct cfg c = defcfg;
    c.headers = true;
    setup(&ps, &r, &c);
    ASSERT(proto_parser_idle(&ps));
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
        size_t n = strlen(ops[k]);
        /* whole */
        ASSERT_EQ(proto_parse(&ps, ops[k], n), PROTO_OK);
        ASSERT(proto_parser_idle(&ps));
        /* split everywhere: something may be held mid-op, nothing after */
        for (size_t cut = 1; cut < n; cut++) {
            ASSERT_EQ(proto_parse(&ps, ops[k], cut), PROTO_OK);
            ASSERT_EQ(proto_parse(&ps, ops[k] + cut, n - cut), PROTO_OK);
            ASSERT(proto_parser_idle(&ps));
        }
    }
    proto_parser_release(&ps);
    free(r.buf);
}

TEST(parser_payload_buffer_grows_with_arrival)
{
    /* a client claims 1,000,000 bytes and sends 10: the parser holds the names and those
     * 10 bytes, not the claimed size */
    static const char line[] = "PUB foo.bar reply 1000000\r\n0123456789";
    struct proto_parser ps;
    struct rec r;
    struct cfg c = defcfg;
    c.max_payload = 0;
    setup(&ps, &r, &c);
    ASSERT_EQ(proto_parse(&ps, line, sizeof(line) - 1), PROTO_OK);
    ASSERT(!proto_parser_idle(&ps));
    ASSERT_EQ(ps.msglen, 10);
    ASSERT_EQ(ps.msgcap, 7 + 5 + 10);
    /* the rest arrives in uneven pieces: capacity stays within twice what has arrived */
    static char chunk[7777];
    memset(chunk, 'p', sizeof(chunk));
    size_t left = 1000000 - 10;
    size_t grows = 0, lastcap = ps.msgcap;
    while (left > 0) {
        size_t n = left < sizeof(chunk) ? left : sizeof(chunk) - (left % 5);
        ASSERT_EQ(proto_parse(&ps, chunk, n), PROTO_OK);
        left -= n;
        check_memory(&ps);
        grows += ps.msgcap != lastcap;
        lastcap = ps.msgcap;
    }
    ASSERT(grows < 24);    /* doubling, not one realloc per read */
    ASSERT_EQ(r.calls, 1); /* pub_line only */
    ASSERT_EQ(proto_parse(&ps, "\r\n", 2), PROTO_OK);
    ASSERT_EQ(r.calls, 2);
    ASSERT(proto_parser_idle(&ps));
    ASSERT_MATCH(r.buf, "^PUBLINE foo.bar reply -1 1000000\nMSG foo.bar reply -1 1000000 "
                        "0123456789ppp");
    proto_parser_release(&ps);
    free(r.buf);
}

TEST(parser_release_frees_partial_state)
{
    /* run under ASan: every partial state is freed by release */
    static const char *const partial[] = {"SUB aaaaaaaaaaaa", "PUB a 10\r\nabc",
                                          "PUB a 10\r\n",     "CONN",
                                          "PING xx",          "HPUB a 1 5\r\nab"};
    struct cfg c = defcfg;
    c.headers = true;
    for (size_t k = 0; k < sizeof(partial) / sizeof(partial[0]); k++) {
        struct proto_parser ps;
        struct rec r;
        setup(&ps, &r, &c);
        ASSERT_EQ(proto_parse(&ps, partial[k], strlen(partial[k])), PROTO_OK);
        proto_parser_release(&ps);
        ASSERT(proto_parser_idle(&ps));
        free(r.buf);
    }
}
