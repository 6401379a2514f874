/* Client-protocol parser: see parser.h (mirrors server/parser.go for client connections).
 * States: OP (matching the op name byte by byte, so a bad byte fails at once as in the
 * reference), SPC (blanks after the op), ARG (the rest of the control line, found with memchr),
 * SKIP (PING/PONG/+OK: bytes up to '\n' are ignored, never buffered), PAYLOAD (message bytes
 * plus CRLF). Invariants (numbered in docs/internals/parser.md): outside a call, arg/msgbuf
 * hold only bytes of the op in progress, both NULL between ops (3); the callbacks and the
 * result do not depend on how the stream is cut into calls (6). */
#include "proto/parser.h"

#include "core/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum state { ST_OP, ST_SPC, ST_ARG, ST_SKIP, ST_PAYLOAD };

enum op {
    OP_NONE,
    OP_P,
    OP_CONNECT,
    OP_PUB,
    OP_HPUB,
    OP_SUB,
    OP_UNSUB,
    OP_PING,
    OP_PONG,
    OP_INFO,
    OP_OK,
    OP_ERR
};

/* Canonical names, indexed by enum op; also what the name must match (case-insensitive). */
static const char *const op_names[] = {
    [OP_NONE] = "",     [OP_P] = "P",       [OP_CONNECT] = "CONNECT", [OP_PUB] = "PUB",
    [OP_HPUB] = "HPUB", [OP_SUB] = "SUB",   [OP_UNSUB] = "UNSUB",     [OP_PING] = "PING",
    [OP_PONG] = "PONG", [OP_INFO] = "INFO", [OP_OK] = "+OK",          [OP_ERR] = "-ERR",
};

#define MAX_ARGS 5
#define MAX_SIZE_DIGITS 9 /* as the reference's parseSize: at most 999,999,999 */

struct args {
    const char *p[MAX_ARGS];
    uint32_t n[MAX_ARGS];
    int count; /* MAX_ARGS + 1 means "too many" */
};

void proto_parser_init(struct proto_parser *ps, const struct proto_handlers *h, void *ctx)
{
    memset(ps, 0, sizeof(*ps));
    ps->h = h;
    ps->ctx = ctx;
    ps->max_control_line = 4096;
    ps->max_payload = 1024 * 1024;
}

void proto_parser_release(struct proto_parser *ps)
{
    FREE_AND_NULL(ps->arg);
    FREE_AND_NULL(ps->msgbuf);
    ps->arglen = ps->argcap = ps->msglen = ps->msgcap = 0;
}

bool proto_parser_idle(const struct proto_parser *ps)
{
    return ps->arg == NULL && ps->msgbuf == NULL;
}

static inline char upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
}

static inline bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static inline bool is_sep(char c, bool crlf_splits)
{
    return is_blank(c) || (crlf_splits && (c == '\r' || c == '\n'));
}

/* Splits a control line into arguments. SUB and UNSUB split as the reference's splitArg, on
 * blanks, \r and \n; PUB and HPUB as processPub's own loop, on blanks only (so a stray \n
 * stays inside the subject there, as in the reference). */
static void split_args(const char *s, size_t len, bool crlf_splits, struct args *a)
{
    size_t i = 0;
    a->count = 0;
    while (i < len) {
        while (i < len && is_sep(s[i], crlf_splits))
            i++;
        if (i >= len)
            break;
        size_t start = i;
        while (i < len && !is_sep(s[i], crlf_splits))
            i++;
        if (a->count == MAX_ARGS) {
            a->count = MAX_ARGS + 1;
            return;
        }
        a->p[a->count] = s + start;
        a->n[a->count] = (uint32_t)(i - start);
        a->count++;
    }
}

/* Decimal size as the reference's parseSize: digits only, at most 9 of them; -1 otherwise.
 * n >= 1: split_args makes no empty arguments. */
static int64_t parse_size(const char *s, uint32_t n)
{
    int64_t v = 0;
    if (n > MAX_SIZE_DIGITS)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Go's %q of p[0..n), as the reference quotes protocol bytes in its logs: quotes, C escapes,
 * \xNN for other non-printable bytes (bytes >= 0x80 too: an approximation of Go, which keeps
 * valid UTF-8). Truncates to fit out; cap >= 3. */
static void quote(char *out, size_t cap, const char *p, size_t n)
{
    static const char esc[] = "\a\b\f\n\r\t\v\\\"";
    static const char name[] = "abfnrtv\\\"";
    size_t o = 0;
    out[o++] = '"';
    for (size_t k = 0; k < n && o + 6 < cap; k++) {
        unsigned char c = (unsigned char)p[k];
        const char *e = c ? strchr(esc, c) : NULL;
        if (e) {
            out[o++] = '\\';
            out[o++] = name[e - esc];
        } else if (c < 32 || c > 126) {
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o++] = '"';
    out[o] = '\0';
}

/* As the reference's protoSnippet: at most max bytes from start (< len), quoted, and one byte
 * short when the buffer ends first (the reference's own off-by-one, kept so logs read the
 * same). */
static void snippet(char *out, size_t cap, const char *buf, size_t len, size_t start, size_t max)
{
    size_t stop = start + max;
    if (stop > len)
        stop = len - 1;
    quote(out, cap, buf + start, stop - start);
}

/* The reference's parser state number (parser.go's const block, 2.9.10) for where ps is, so
 * logged errors read the same: per op, the states after 1 and 2 bytes of the name (later
 * bytes count up from the second), then the blank and argument states. Errors arise only in
 * ST_OP and ST_ARG; payload errors pass their state themselves. */
static int ref_state(const struct proto_parser *ps)
{
    static const uint8_t states[][4] = {
        [OP_P] = {29, 0, 0, 0},       [OP_CONNECT] = {10, 11, 16, 17},
        [OP_PUB] = {29, 30, 32, 33},  [OP_HPUB] = {18, 19, 22, 23},
        [OP_SUB] = {43, 44, 46, 47},  [OP_UNSUB] = {59, 60, 64, 65},
        [OP_PING] = {29, 34, 36, 36}, [OP_PONG] = {29, 37, 39, 39},
        [OP_INFO] = {71, 72, 74, 75}, [OP_OK] = {1, 2, 3, 3},
        [OP_ERR] = {4, 5, 8, 9},
    };
    if (ps->state == ST_ARG)
        return states[ps->op][3];
    if (ps->oplen == 0)
        return 0;
    return ps->oplen == 1 ? states[ps->op][0] : states[ps->op][1] + ps->oplen - 2;
}

static enum proto_status fail_args(struct proto_parser *ps, const char *what, const char *arg,
                                   size_t len)
{
    size_t o = (size_t)snprintf(ps->errmsg, sizeof(ps->errmsg), "%s: ", what); /* what is short */
    quote(ps->errmsg + o, sizeof(ps->errmsg) - o, arg, len);
    return PROTO_ERR_ARGS;
}

/* Handles a complete PUB/HPUB control line: fills ps->pm (slices into line). */
static enum proto_status pub_line(struct proto_parser *ps, const char *line, size_t len)
{
    struct args a;
    struct proto_msg *m = &ps->pm;
    int64_t size, hdr = -1;
    int base;

    split_args(line, len, false, &a);
    memset(m, 0, sizeof(*m));
    if (ps->op == OP_PUB) {
        if (a.count != 2 && a.count != 3)
            return fail_args(ps, "processPub Parse Error", line, len);
        base = a.count - 1;
        size = parse_size(a.p[base], a.n[base]);
        if (size < 0)
            return fail_args(ps, "processPub Bad or Missing Size", line, len);
    } else {
        if (a.count != 3 && a.count != 4)
            return fail_args(ps, "processHeaderPub Parse Error", line, len);
        base = a.count - 2;
        hdr = parse_size(a.p[base], a.n[base]);
        if (hdr < 0)
            return fail_args(ps, "processHeaderPub Bad or Missing Header Size", line, len);
        size = parse_size(a.p[base + 1], a.n[base + 1]);
        if (size < 0)
            return fail_args(ps, "processHeaderPub Bad or Missing Total Size", line, len);
        if (hdr > size)
            return fail_args(ps, "processHeaderPub Header Size larger then TotalSize", line, len);
    }
    m->subject = a.p[0];
    m->subject_len = a.n[0];
    if (base == 2) {
        m->reply = a.p[1];
        m->reply_len = a.n[1];
    }
    /* a zero header size makes it a plain message, as in the reference */
    m->hdr_len = hdr > 0 ? (int32_t)hdr : -1;
    m->size = (uint32_t)size;
    if (ps->max_payload > 0 && size > ps->max_payload) {
        snprintf(ps->errmsg, sizeof(ps->errmsg), "maximum payload exceeded: %lld vs %lld",
                 (long long)size, (long long)ps->max_payload);
        return PROTO_ERR_MAX_PAYLOAD;
    }
    return PROTO_OK;
}

static enum proto_status sub_line(struct proto_parser *ps, const char *line, size_t len)
{
    struct args a;
    split_args(line, len, true, &a);
    if (a.count == 2)
        return ps->h->sub(ps->ctx, a.p[0], a.n[0], NULL, 0, a.p[1], a.n[1]) ? PROTO_STOP : PROTO_OK;
    if (a.count == 3)
        return ps->h->sub(ps->ctx, a.p[0], a.n[0], a.p[1], a.n[1], a.p[2], a.n[2]) ? PROTO_STOP
                                                                                   : PROTO_OK;
    return fail_args(ps, "processSub Parse Error", line, len);
}

static enum proto_status unsub_line(struct proto_parser *ps, const char *line, size_t len)
{
    struct args a;
    int64_t max = -1;
    split_args(line, len, true, &a);
    if (a.count != 1 && a.count != 2)
        return fail_args(ps, "processUnsub Parse Error", line, len);
    if (a.count == 2) {
        /* as the reference: a max that is not a number counts as 0, "unsubscribe now" */
        max = parse_size(a.p[1], a.n[1]);
        if (max < 0)
            max = 0;
    }
    return ps->h->unsub(ps->ctx, a.p[0], a.n[0], max) ? PROTO_STOP : PROTO_OK;
}

/* Copies the pending message's subject and reply into msgbuf, so the message can be gathered
 * across reads, with room for the avail payload bytes at hand (fewer than size + 2). Room for
 * the rest is added as it arrives, never from the claimed size: invariant (4). */
static void start_msgbuf(struct proto_parser *ps, size_t avail)
{
    struct proto_msg *m = &ps->pm;
    uint32_t names = m->subject_len + m->reply_len;
    uint32_t first = names + (uint32_t)avail;
    char *b = xmalloc(first);
    memcpy(b, m->subject, m->subject_len);
    if (m->reply)
        memcpy(b + m->subject_len, m->reply, m->reply_len);
    ps->msgbuf = b;
    ps->msgcap = first;
    ps->msglen = 0;
}

/* Dispatches a complete control line (line excludes the line end). */
static enum proto_status dispatch_line(struct proto_parser *ps, const char *line, size_t len)
{
    enum proto_status st;
    /* the reference traces neither INFO nor -ERR */
    if (ps->h->trace && ps->op != OP_INFO && ps->op != OP_ERR)
        ps->h->trace(ps->ctx, op_names[ps->op], line, len);
    switch (ps->op) {
    case OP_CONNECT:
        ps->need_connect = false;
        return ps->h->connect(ps->ctx, line, len) ? PROTO_STOP : PROTO_OK;
    case OP_PUB:
    case OP_HPUB:
        if (ps->op == OP_HPUB && !ps->headers) {
            snprintf(ps->errmsg, sizeof(ps->errmsg), "message headers not supported");
            return PROTO_ERR_NO_HEADERS;
        }
        st = pub_line(ps, line, len);
        if (st != PROTO_OK)
            return st;
        if (ps->h->pub_line && ps->h->pub_line(ps->ctx, &ps->pm))
            return PROTO_STOP;
        ps->state = ST_PAYLOAD;
        return PROTO_OK;
    case OP_SUB:
        return sub_line(ps, line, len);
    case OP_UNSUB:
        return unsub_line(ps, line, len);
    case OP_INFO:
        /* a client's INFO: the owner may check it (the reference closes on bad JSON) */
        return ps->h->info && ps->h->info(ps->ctx, line, len) ? PROTO_STOP : PROTO_OK;
    default:
        /* OP_ERR, the only other op with an argument; as the reference's processErr log */
        snprintf(ps->errmsg, sizeof(ps->errmsg), "Client Error %.*s", (int)len, line);
        return PROTO_ERR_CLIENT_ERR;
    }
}

/* A byte no op can have here: the reference's "Unknown Protocol Operation". i indexes buf;
 * state is the reference's state number (ref_state, or 41/42 for a payload terminator). */
static enum proto_status unknown_op(struct proto_parser *ps, const char *buf, size_t len, size_t i,
                                    int state)
{
    char snip[160];
    snippet(snip, sizeof(snip), buf, len, i, 32);
    snprintf(ps->errmsg, sizeof(ps->errmsg), "Client parser ERROR, state=%d, i=%zu: proto='%s...'",
             state, i, snip);
    return PROTO_ERR_UNKNOWN_OP;
}

/* The control line is over max_control_line; line/n are its first bytes, for the snippet. */
static enum proto_status control_line_exceeded(struct proto_parser *ps, const char *line, size_t n)
{
    char snip[160];
    snippet(snip, sizeof(snip), line, n, 0, 128);
    snprintf(ps->errmsg, sizeof(ps->errmsg),
             "maximum control line exceeded: State %d, max_control_line %u, Buffer len %u "
             "(snip: %s...)",
             ref_state(ps), ps->max_control_line, ps->arglen, snip);
    return PROTO_ERR_CONTROL_LINE;
}

/* Matches one byte of an op name. Returns false on a byte that no op can have here. */
static bool match_op_byte(struct proto_parser *ps, char c)
{
    c = upper(c);
    if (ps->oplen == 0) {
        switch (c) {
        case 'C':
            ps->op = OP_CONNECT;
            break;
        case 'P':
            ps->op = OP_P;
            break;
        case 'H':
            ps->op = OP_HPUB;
            break;
        case 'S':
            ps->op = OP_SUB;
            break;
        case 'U':
            ps->op = OP_UNSUB;
            break;
        case 'I':
            ps->op = OP_INFO;
            break;
        case '+':
            ps->op = OP_OK;
            break;
        case '-':
            ps->op = OP_ERR;
            break;
        default:
            return false;
        }
        ps->oplen = 1;
        return true;
    }
    if (ps->op == OP_P) {
        switch (c) {
        case 'U':
            ps->op = OP_PUB;
            break;
        case 'I':
            ps->op = OP_PING;
            break;
        case 'O':
            ps->op = OP_PONG;
            break;
        default:
            return false;
        }
        ps->oplen = 2;
        return true;
    }
    if (op_names[ps->op][ps->oplen] != c)
        return false;
    ps->oplen++;
    return true;
}

/* Appends bytes of an unfinished control line to the carry buffer, after the limit check:
 * invariant (2). A '\r' waiting for its '\n' does not count against the limit, so a line
 * exactly at the limit passes wherever it is split. */
static enum proto_status carry_arg(struct proto_parser *ps, const char *p, size_t n)
{
    size_t need = (size_t)ps->arglen + n;
    char last = n > 0 ? p[n - 1] : (ps->arglen > 0 ? ps->arg[ps->arglen - 1] : 0);
    size_t counted = need - (last == '\r' ? 1 : 0);
    if (counted > ps->max_control_line)
        return control_line_exceeded(ps, ps->arglen ? ps->arg : p, ps->arglen ? ps->arglen : n);
    if (need > ps->argcap) {
        size_t cap = ps->argcap ? ps->argcap : 128;
        while (cap < need)
            cap *= 2;
        ps->arg = xrealloc(ps->arg, cap);
        ps->argcap = (uint32_t)cap; /* need <= max_control_line + 1, an int32 in the reference */
    }
    memcpy(ps->arg + ps->arglen, p, n);
    ps->arglen = (uint32_t)need;
    return PROTO_OK;
}

static void end_op(struct proto_parser *ps)
{
    ps->state = ST_OP;
    ps->op = OP_NONE;
    ps->oplen = 0;
}

/* Delivers the gathered message in msgbuf (its terminator already checked) and frees it. */
static enum proto_status finish_msgbuf(struct proto_parser *ps)
{
    struct proto_msg *m = &ps->pm;
    char *b = ps->msgbuf;
    int stop;
    m->subject = b;
    m->reply = m->reply ? b + m->subject_len : NULL;
    m->payload = b + m->subject_len + m->reply_len;
    stop = ps->h->msg(ps->ctx, m);
    ps->msgbuf = NULL;
    ps->msgcap = 0;
    ps->msglen = 0;
    free(b);
    end_op(ps);
    return stop ? PROTO_STOP : PROTO_OK;
}

enum proto_status proto_parse(struct proto_parser *ps, const char *buf, size_t len)
{
    size_t i = 0;
    enum proto_status st;

    while (i < len) {
        switch (ps->state) {
        case ST_OP: {
            char c = buf[i];
            if (ps->oplen == 0) {
                if (ps->need_connect && upper(c) != 'C') {
                    snprintf(ps->errmsg, sizeof(ps->errmsg), "Authorization Violation");
                    return PROTO_ERR_AUTH_FIRST;
                }
            } else if (ps->op != OP_P && op_names[ps->op][ps->oplen] == '\0') {
                /* the whole name matched: what may follow it */
                if (ps->op == OP_PING || ps->op == OP_PONG || ps->op == OP_OK) {
                    ps->state = ST_SKIP;
                    continue;
                }
                /* CONNECT and INFO take their argument from the first non-blank byte, even
                 * right after the name ("CONNECT\r\n" is an empty argument, as in the
                 * reference); the other ops need a blank first. */
                if (ps->op == OP_CONNECT || ps->op == OP_INFO) {
                    ps->state = ST_SPC;
                    continue;
                }
                if (!is_blank(c))
                    return unknown_op(ps, buf, len, i, ref_state(ps));
                ps->state = ST_SPC;
                i++;
                continue;
            }
            if (!match_op_byte(ps, c))
                return unknown_op(ps, buf, len, i, ref_state(ps));
            i++;
            break;
        }
        case ST_SKIP: {
            const char *nl = memchr(buf + i, '\n', len - i);
            if (!nl)
                return PROTO_OK; /* ignore the rest; still waiting for '\n' */
            i = (size_t)(nl - buf) + 1;
            if (ps->h->trace && ps->op != OP_OK) /* the reference does not trace +OK */
                ps->h->trace(ps->ctx, op_names[ps->op], NULL, 0);
            enum op op = ps->op;
            end_op(ps);
            if (op == OP_PING && ps->h->ping(ps->ctx))
                return PROTO_STOP;
            if (op == OP_PONG && ps->h->pong(ps->ctx))
                return PROTO_STOP;
            break;
        }
        case ST_SPC:
            while (i < len && is_blank(buf[i]))
                i++;
            if (i < len)
                ps->state = ST_ARG;
            break;
        case ST_ARG: {
            /* invariant (1): the first byte after the blanks always starts the argument, even
             * a '\r' or '\n' (parser.go sets c.as there), so "SUB \nfoo 1\r\n" is a SUB */
            const char *start = buf + i;
            size_t from = ps->arglen == 0 ? 1 : 0;
            const char *nl = len - i > from ? memchr(start + from, '\n', len - i - from) : NULL;
            if (!nl)
                return carry_arg(ps, start, len - i);
            size_t n = (size_t)(nl - start);
            const char *line;
            size_t linelen;
            if (ps->arglen) {
                st = carry_arg(ps, start, n);
                if (st != PROTO_OK)
                    return st;
                line = ps->arg;
                linelen = ps->arglen;
            } else {
                line = start;
                linelen = n;
            }
            i += n + 1;
            if (line[linelen - 1] == '\r') /* linelen >= 1: invariant (1) */
                linelen--;
            if (linelen > ps->max_control_line)
                return control_line_exceeded(ps, line, linelen);
            st = dispatch_line(ps, line, linelen);
            if (st != PROTO_OK)
                return st;
            if (ps->state != ST_PAYLOAD) {
                end_op(ps);
            } else if (len - i >= (size_t)ps->pm.size + 2) {
                /* fast path: the whole payload is here, nothing is copied */
                struct proto_msg *m = &ps->pm;
                const char *p = buf + i;
                if (p[m->size] != '\r')
                    return unknown_op(ps, buf, len, i + m->size, 41);
                if (p[m->size + 1] != '\n')
                    return unknown_op(ps, buf, len, i + m->size + 1, 42);
                m->payload = p;
                i += (size_t)m->size + 2;
                int stop = ps->h->msg(ps->ctx, m);
                end_op(ps);
                if (ps->arg) {
                    FREE_AND_NULL(ps->arg);
                    ps->arglen = ps->argcap = 0;
                }
                if (stop)
                    return PROTO_STOP;
                continue;
            } else {
                start_msgbuf(ps, len - i);
            }
            if (ps->arg) {
                FREE_AND_NULL(ps->arg);
                ps->arglen = ps->argcap = 0;
            }
            break;
        }
        case ST_PAYLOAD: {
            struct proto_msg *m = &ps->pm;
            uint32_t names = m->subject_len + m->reply_len;
            uint32_t total = m->size + 2;
            uint32_t have = ps->msglen;
            uint32_t n = (uint32_t)(len - i < total - have ? len - i : total - have);
            if (have + n > ps->msgcap - names) {
                /* invariant (4): grow by doubling what is held, capped at the claimed size,
                 * so the room for the payload stays below twice what has arrived */
                uint64_t room = 2 * (uint64_t)(ps->msgcap - names);
                if (room > total)
                    room = total;
                if (room < (uint64_t)have + n)
                    room = (uint64_t)have + n;
                ps->msgbuf = xrealloc(ps->msgbuf, names + (size_t)room);
                ps->msgcap = names + (uint32_t)room;
            }
            memcpy(ps->msgbuf + names + have, buf + i, n);
            ps->msglen = have + n;
            /* the terminator is checked byte by byte as it arrives, as the reference's
             * MSG_END_R/MSG_END_N states, so a bad byte fails at once */
            for (uint32_t k = m->size; k < m->size + 2; k++) {
                if (k >= have && k < have + n && ps->msgbuf[names + k] != "\r\n"[k - m->size])
                    return unknown_op(ps, buf, len, i + (k - have), k == m->size ? 41 : 42);
            }
            i += n;
            if (ps->msglen == total) {
                st = finish_msgbuf(ps);
                if (st != PROTO_OK)
                    return st;
            }
            break;
        }
        }
    }
    return PROTO_OK;
}
