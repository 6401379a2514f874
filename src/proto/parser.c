/* Client-protocol parser: see parser.h (mirrors server/parser.go for client connections).
 * States: OP (matching the op name byte by byte, so a bad byte fails at once as in the
 * reference), SPC (blanks after the op), ARG (the rest of the control line, found with memchr),
 * SKIP (PING/PONG/+OK: bytes up to '\n' are ignored, never buffered), PAYLOAD (message bytes
 * plus CRLF). Invariant: outside a call, arg/msgbuf hold only bytes of the op in progress, and
 * both are NULL when the parser is between ops. Design: docs/internals/parser.md */
#include "proto/parser.h"

#include "core/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum state { ST_OP, ST_SPC, ST_ARG, ST_SKIP, ST_PAYLOAD };

enum op { OP_NONE, OP_P, OP_CONNECT, OP_PUB, OP_HPUB, OP_SUB, OP_UNSUB, OP_PING, OP_PONG,
          OP_INFO, OP_OK, OP_ERR };

/* Canonical names, indexed by enum op; also what the name must match (case-insensitive). */
static const char *const op_names[] = {
    [OP_NONE] = "", [OP_P] = "P", [OP_CONNECT] = "CONNECT", [OP_PUB] = "PUB",
    [OP_HPUB] = "HPUB", [OP_SUB] = "SUB", [OP_UNSUB] = "UNSUB", [OP_PING] = "PING",
    [OP_PONG] = "PONG", [OP_INFO] = "INFO", [OP_OK] = "+OK", [OP_ERR] = "-ERR",
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

/* Splits a control line into blank-separated arguments (as the reference's splitArg, which
 * also treats \r and \n as separators). */
static void split_args(const char *s, size_t len, struct args *a)
{
    size_t i = 0;
    a->count = 0;
    while (i < len) {
        while (i < len && (is_blank(s[i]) || s[i] == '\r' || s[i] == '\n'))
            i++;
        if (i >= len)
            break;
        size_t start = i;
        while (i < len && !(is_blank(s[i]) || s[i] == '\r' || s[i] == '\n'))
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

/* Decimal size as the reference's parseSize: digits only, 1..9 of them; -1 otherwise. */
static int64_t parse_size(const char *s, uint32_t n)
{
    int64_t v = 0;
    if (n == 0 || n > MAX_SIZE_DIGITS)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static enum proto_status fail_args(struct proto_parser *ps, const char *what, const char *arg,
                                   size_t len)
{
    snprintf(ps->errmsg, sizeof(ps->errmsg), "%s: \"%.*s\"", what, (int)(len > 128 ? 128 : len),
             arg);
    return PROTO_ERR_ARGS;
}

/* Handles a complete PUB/HPUB control line: fills ps->pm (slices into line). */
static enum proto_status pub_line(struct proto_parser *ps, const char *line, size_t len)
{
    struct args a;
    struct proto_msg *m = &ps->pm;
    int64_t size, hdr = -1;
    int base;

    split_args(line, len, &a);
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
        snprintf(ps->errmsg, sizeof(ps->errmsg), "Maximum Payload Violation");
        return PROTO_ERR_MAX_PAYLOAD;
    }
    return PROTO_OK;
}

static enum proto_status sub_line(struct proto_parser *ps, const char *line, size_t len)
{
    struct args a;
    split_args(line, len, &a);
    if (a.count == 2)
        return ps->h->sub(ps->ctx, a.p[0], a.n[0], NULL, 0, a.p[1], a.n[1]) ? PROTO_STOP
                                                                              : PROTO_OK;
    if (a.count == 3)
        return ps->h->sub(ps->ctx, a.p[0], a.n[0], a.p[1], a.n[1], a.p[2], a.n[2]) ? PROTO_STOP
                                                                                    : PROTO_OK;
    return fail_args(ps, "processSub Parse Error", line, len);
}

static enum proto_status unsub_line(struct proto_parser *ps, const char *line, size_t len)
{
    struct args a;
    int64_t max = -1;
    split_args(line, len, &a);
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
 * across reads. Room for the payload is added as it arrives. */
static void start_msgbuf(struct proto_parser *ps)
{
    struct proto_msg *m = &ps->pm;
    uint32_t names = m->subject_len + m->reply_len;
    uint32_t first = names + (m->size + 2 < 4096 ? m->size + 2 : 4096);
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
    if (ps->h->trace)
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
        return PROTO_OK; /* a client's INFO is ignored */
    case OP_ERR:
        snprintf(ps->errmsg, sizeof(ps->errmsg), "Client sent -ERR: %.*s",
                 (int)(len > 128 ? 128 : len), line);
        return PROTO_ERR_CLIENT_ERR;
    default:
        return PROTO_ERR_UNKNOWN_OP;
    }
}

static enum proto_status unknown_op(struct proto_parser *ps, const char *buf, size_t len,
                                    size_t i)
{
    size_t n = len - i < 32 ? len - i : 32;
    char snip[140];
    size_t o = 0;
    for (size_t k = 0; k < n && o + 5 < sizeof(snip); k++) {
        unsigned char c = (unsigned char)buf[i + k];
        if (c == '\r')
            o += (size_t)snprintf(snip + o, sizeof(snip) - o, "\\r");
        else if (c == '\n')
            o += (size_t)snprintf(snip + o, sizeof(snip) - o, "\\n");
        else if (c == '"')
            o += (size_t)snprintf(snip + o, sizeof(snip) - o, "\\\"");
        else if (c < 32 || c > 126)
            o += (size_t)snprintf(snip + o, sizeof(snip) - o, "\\x%02x", c);
        else
            snip[o++] = (char)c;
    }
    snip[o] = '\0';
    snprintf(ps->errmsg, sizeof(ps->errmsg), "Client parser ERROR, state=%d, i=%zu: proto='\"%s\"...'",
             (int)ps->state, i, snip);
    return PROTO_ERR_UNKNOWN_OP;
}

static enum proto_status control_line_exceeded(struct proto_parser *ps, size_t have)
{
    snprintf(ps->errmsg, sizeof(ps->errmsg),
             "maximum control line exceeded: state %d, max_control_line %u, buffer len %zu",
             (int)ps->state, ps->max_control_line, have);
    return PROTO_ERR_CONTROL_LINE;
}

/* Matches one byte of an op name. Returns false on a byte that no op can have here. */
static bool match_op_byte(struct proto_parser *ps, char c)
{
    c = upper(c);
    if (ps->oplen == 0) {
        switch (c) {
        case 'C': ps->op = OP_CONNECT; break;
        case 'P': ps->op = OP_P; break;
        case 'H': ps->op = OP_HPUB; break;
        case 'S': ps->op = OP_SUB; break;
        case 'U': ps->op = OP_UNSUB; break;
        case 'I': ps->op = OP_INFO; break;
        case '+': ps->op = OP_OK; break;
        case '-': ps->op = OP_ERR; break;
        default: return false;
        }
        ps->oplen = 1;
        return true;
    }
    if (ps->op == OP_P) {
        switch (c) {
        case 'U': ps->op = OP_PUB; break;
        case 'I': ps->op = OP_PING; break;
        case 'O': ps->op = OP_PONG; break;
        default: return false;
        }
        ps->oplen = 2;
        return true;
    }
    if (op_names[ps->op][ps->oplen] != c)
        return false;
    ps->oplen++;
    return true;
}

/* Appends bytes of an unfinished control line to the carry buffer, after the limit check. */
static enum proto_status carry_arg(struct proto_parser *ps, const char *p, size_t n)
{
    size_t need = (size_t)ps->arglen + n;
    /* a '\r' waiting for its '\n' does not count against the limit (as the reference) */
    char last = n > 0 ? p[n - 1] : (ps->arglen > 0 ? ps->arg[ps->arglen - 1] : 0);
    size_t counted = need - (last == '\r' ? 1 : 0);
    if (counted > ps->max_control_line)
        return control_line_exceeded(ps, counted);
    if (need > ps->argcap) {
        uint32_t cap = ps->argcap ? ps->argcap : 128;
        while (cap < need)
            cap *= 2;
        ps->arg = xrealloc(ps->arg, cap);
        ps->argcap = cap;
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

/* Delivers the gathered message in msgbuf and frees it. */
static enum proto_status finish_msgbuf(struct proto_parser *ps)
{
    struct proto_msg *m = &ps->pm;
    char *b = ps->msgbuf;
    uint32_t names = m->subject_len + m->reply_len;
    int stop;
    if (b[names + m->size] != '\r' || b[names + m->size + 1] != '\n') {
        snprintf(ps->errmsg, sizeof(ps->errmsg), "Client parser ERROR: bad message terminator");
        return PROTO_ERR_UNKNOWN_OP;
    }
    m->subject = b;
    m->reply = m->reply ? b + m->subject_len : NULL;
    m->payload = b + names;
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
                    return unknown_op(ps, buf, len, i);
                ps->state = ST_SPC;
                i++;
                continue;
            }
            if (!match_op_byte(ps, c))
                return unknown_op(ps, buf, len, i);
            i++;
            break;
        }
        case ST_SKIP: {
            const char *nl = memchr(buf + i, '\n', len - i);
            if (!nl)
                return PROTO_OK; /* ignore the rest; still waiting for '\n' */
            i = (size_t)(nl - buf) + 1;
            if (ps->h->trace)
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
            const char *start = buf + i;
            const char *nl = memchr(start, '\n', len - i);
            if (!nl) {
                st = carry_arg(ps, start, len - i);
                return st;
            }
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
            if (linelen > 0 && line[linelen - 1] == '\r')
                linelen--;
            if (linelen > ps->max_control_line)
                return control_line_exceeded(ps, linelen);
            st = dispatch_line(ps, line, linelen);
            if (st != PROTO_OK) {
                return st;
            }
            if (ps->state != ST_PAYLOAD) {
                end_op(ps);
            } else if (len - i >= (size_t)ps->pm.size + 2) {
                /* fast path: the whole payload is here */
                struct proto_msg *m = &ps->pm;
                const char *p = buf + i;
                if (p[m->size] != '\r' || p[m->size + 1] != '\n')
                    return unknown_op(ps, buf, len, i + m->size);
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
                start_msgbuf(ps);
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
            uint32_t want = m->size + 2 - ps->msglen;
            uint32_t n = (uint32_t)(len - i < want ? len - i : want);
            uint32_t need = names + ps->msglen + n;
            if (need > ps->msgcap) {
                uint32_t cap = ps->msgcap;
                while (cap < need)
                    cap *= 2;
                if (cap > names + m->size + 2)
                    cap = names + m->size + 2;
                ps->msgbuf = xrealloc(ps->msgbuf, cap);
                ps->msgcap = cap;
            }
            memcpy(ps->msgbuf + names + ps->msglen, buf + i, n);
            ps->msglen += n;
            i += n;
            if (ps->msglen == m->size + 2) {
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
