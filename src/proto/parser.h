/* Client-protocol parser (mirrors server/parser.go, client side of the wire only).
 * A byte-at-a-time state machine for the op name, memchr fast paths for argument lines and
 * payloads. Arguments are slices into the caller's buffer; they are copied into the parser's
 * own storage only when a control line or a message straddles two reads. Every size from the
 * wire is checked against the limits before anything is allocated.
 * Design: docs/internals/parser.md */
#ifndef NS_PROTO_PARSER_H
#define NS_PROTO_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Outcomes of proto_parse. Each error names what the server sends and why it closes: the
 * server maps them to -ERR texts and close reasons (server/client.c). */
enum proto_status {
    PROTO_OK = 0,
    PROTO_STOP,             /* a callback returned non-zero: stopped, do not feed again */
    PROTO_ERR_UNKNOWN_OP,   /* -ERR 'Unknown Protocol Operation', close */
    PROTO_ERR_AUTH_FIRST,   /* auth required and the first op is not CONNECT: -ERR
                               'Authorization Violation', close */
    PROTO_ERR_CONTROL_LINE, /* -ERR 'maximum control line exceeded', close */
    PROTO_ERR_MAX_PAYLOAD,  /* -ERR 'Maximum Payload Violation', close */
    PROTO_ERR_ARGS,         /* bad argument count or size: close without -ERR */
    PROTO_ERR_NO_HEADERS,   /* HPUB without headers negotiated: close without -ERR */
    PROTO_ERR_CLIENT_ERR,   /* the client sent -ERR: close */
};

/* A PUB or HPUB as the parser saw it. Slices are borrowed: valid only during the callback. */
struct proto_msg {
    const char *subject;
    const char *reply;   /* NULL when absent */
    const char *payload; /* size bytes: headers (hdr_len) then body */
    uint32_t subject_len;
    uint32_t reply_len;
    int32_t hdr_len; /* -1 for PUB */
    uint32_t size;
};

/* Callbacks; ctx is proto_parser.ctx. Return 0 to go on, non-zero to stop parsing (the parser
 * then returns PROTO_STOP). Slices are borrowed for the duration of the call. */
struct proto_handlers {
    int (*connect)(void *ctx, const char *json, size_t len);
    /* Control line of a PUB/HPUB parsed and checked against limits; payload not read yet. */
    int (*pub_line)(void *ctx, const struct proto_msg *m);
    /* The whole message (control line + payload). */
    int (*msg)(void *ctx, const struct proto_msg *m);
    int (*sub)(void *ctx, const char *subj, size_t slen, const char *queue, size_t qlen,
               const char *sid, size_t sidlen);
    int (*unsub)(void *ctx, const char *sid, size_t sidlen, int64_t max); /* max -1: none */
    int (*ping)(void *ctx);
    int (*pong)(void *ctx);
    /* A client's INFO line (the JSON, no line end). May be NULL: then INFO is ignored. The
     * reference unmarshals it and closes the connection on bad JSON. */
    int (*info)(void *ctx, const char *json, size_t len);
    /* A parsed control line, for -V tracing: the op's canonical name and its arguments
     * (no line end). May be NULL. */
    void (*trace)(void *ctx, const char *op, const char *arg, size_t arglen);
};

struct proto_parser {
    const struct proto_handlers *h;
    void *ctx;
    /* Limits and negotiated features, set by the owner; may change between calls. */
    uint32_t max_control_line; /* argument bytes after the op; below 2^31 (int32 upstream) */
    int64_t max_payload;       /* <= 0: unlimited */
    bool headers;              /* HPUB allowed */
    bool need_connect;         /* auth required and no CONNECT yet: first op must be CONNECT */

    /* internal state */
    uint8_t state;
    uint8_t op;    /* which op is being read */
    uint8_t oplen; /* bytes of the op name matched so far */
    char *arg;     /* control-line bytes carried over from an earlier read */
    uint32_t arglen;
    uint32_t argcap;
    struct proto_msg pm; /* pending message while its payload is read */
    char *msgbuf;        /* pending message storage when it straddles reads */
    uint32_t msglen;     /* payload bytes (incl. the final CRLF) gathered in msgbuf */
    uint32_t msgcap;     /* capacity of msgbuf */
    /* Diagnostic for the last error: the text the reference logs (e.g.
     * "processPub Parse Error: \"foo bar baz\""). */
    char errmsg[320];
};

/* Sets up a parser with the given callbacks (borrowed) and limits. */
void proto_parser_init(struct proto_parser *ps, const struct proto_handlers *h, void *ctx);
/* Frees the parser's carried-over storage (not ps itself). */
void proto_parser_release(struct proto_parser *ps);
/* Feeds len bytes. Returns PROTO_OK when all were consumed (state carries over to the next
 * call), PROTO_STOP when a callback stopped it, or a PROTO_ERR_* (ps->errmsg says why). After
 * PROTO_STOP or an error the rest of buf is not consumed and the parser must not be fed again
 * (release it). The result and the callbacks do not depend on how the stream is cut into
 * calls. */
enum proto_status proto_parse(struct proto_parser *ps, const char *buf, size_t len);
/* True when the parser holds no carried-over bytes (an idle connection costs nothing). */
bool proto_parser_idle(const struct proto_parser *ps);

#endif
