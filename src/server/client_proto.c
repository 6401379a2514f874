/* What a client's protocol ops do (mirrors processConnect, processPub, processSub,
 * processUnsub, processPing/Pong in server/client.go). Parser callbacks; owner loop only. */
#include "server/client.h"

#include "server/client_auth.h"
#include "server/connect.h"
#include "server/events.h"

#include "core/clock.h"
#include "core/xmalloc.h"
#include "server/account.h"
#include "server/server.h"
#include "server/info.h"
#include "server/trust.h"
#include "sublist/subject.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void send_ok(struct client *c)
{
    client_log(c, LOG_TRC, "->> [OK]");
    client_send(c->loop, c, "+OK\r\n", 5);
}

static void trace_cb(void *ctx, const char *op, const char *arg, size_t arglen)
{
    struct client *c = ctx;
    if (!c->srv->log.trace)
        return;
    if (arg)
        client_log(c, LOG_TRC, "<<- [%s %.*s]", op, (int)arglen, arg);
    else
        client_log(c, LOG_TRC, "<<- [%s]", op);
}

/* ---- CONNECT ---- */

static void auth_violation(struct client *c, const struct connect_opts *co)
{
    client_auth_failed_log(c, co);
    client_send_err(c, proto_err_text(ERRT_AUTH_VIOLATION));
    client_close(c, CLOSE_AUTH_FAILURE);
}

static int connect_cb(void *ctx, const char *json, size_t len)
{
    struct client *c = ctx;
    struct connect_opts co;
    json_t *root = NULL;

    if (connect_decode(json, len, &co, &root) != 0) {
        client_log(c, LOG_ERR, "processConnect: bad JSON: %.*s", (int)(len > 128 ? 128 : len),
                   json);
        client_close(c, CLOSE_PROTOCOL_VIOLATION);
        return 1;
    }
    if (co.verbose >= 0)
        c->verbose = co.verbose;
    if (co.pedantic >= 0)
        c->pedantic = co.pedantic;
    if (co.echo >= 0)
        c->echo = co.echo;
    if (co.headers >= 0)
        c->headers = co.headers;
    if (co.no_responders >= 0)
        c->no_responders = co.no_responders;
    if (co.name) {
        char *old, *name = xstrdup(co.name);
        pthread_mutex_lock(&c->mu);
        old = c->name;
        c->name = name;
        pthread_mutex_unlock(&c->mu);
        free(old);
    }
    if (co.lang) {
        free(c->lang);
        c->lang = xstrdup(co.lang);
    }
    if (co.version) {
        free(c->version);
        c->version = xstrdup(co.version);
    }
    c->ps.headers = c->headers;
    atomic_store_explicit(&c->headers_ok, c->headers, memory_order_relaxed);

    if (!client_authenticate(c, &co)) {
        if (!c->closed)
            auth_violation(c, &co);
        json_decref(root);
        return 1;
    }
    if (c->srv->auth_required || c->user) {
        const char *who = client_jwt_user(c)          ? client_jwt_user(c)
                          : c->user && c->user->name ? c->user->name
                          : c->user && c->user->nkey ? c->user->nkey
                                                     : co.user;
        free(c->auth_user);
        c->auth_user = who && *who ? xstrdup(who) : NULL;
    }
    if (co.has_protocol) {
        if (co.protocol < 0 || co.protocol > NATS_PROTO) {
            client_send_err(c, proto_err_text(ERRT_BAD_PROTOCOL));
            client_close(c, CLOSE_BAD_PROTOCOL);
            json_decref(root);
            return 1;
        }
        c->protocol = (int)co.protocol;
    }
    json_decref(root);
    if (c->no_responders && !c->headers) {
        client_send_err(c, proto_err_text(ERRT_NO_RESPONDERS_HEADERS));
        client_close(c, CLOSE_NO_RESPONDERS_HEADERS);
        return 1;
    }
    bool first = !c->connected;
    if (first)
        atomic_fetch_add(&c->acc->nconns, 1);
    c->connected = true;
    timer_cancel(c->loop, &c->conn_timer);
    if (c->verbose)
        send_ok(c);
    if (first)
        events_client_connect(c->loop, c);
    return 0;
}

/* ---- PUB / HPUB ---- */

static int pub_line_cb(void *ctx, const struct proto_msg *m)
{
    struct client *c = ctx;
    if (c->pedantic && !subj_is_valid_literal(m->subject, m->subject_len))
        client_send_err(c, proto_err_text(ERRT_INVALID_PUB_SUBJECT));
    return 0;
}

/* Reply subjects reserved for the server's own routing (the reference's isReservedReply). */
static bool reserved_reply(const char *r, uint32_t n)
{
    static const char *const prefixes[] = {"_R_.", "$JS.ACK.", "_GR_."};
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        size_t pl = strlen(prefixes[i]);
        if (n > pl && memcmp(r, prefixes[i], pl) == 0)
            return true;
    }
    return false;
}

static int msg_cb(void *ctx, const struct proto_msg *m)
{
    struct client *c = ctx;
    struct loop *lp = c->loop;

    c->in_msgs++;
    c->in_bytes += m->size;
    lp->in_msgs++;
    lp->in_bytes += m->size;
    if (c->srv->log.trace)
        client_log(c, LOG_TRC, "<<- MSG_PAYLOAD: [\"%.*s\"]", (int)(m->size > 256 ? 256 : m->size),
                   m->payload);
    if (m->subject_len > 5 && memcmp(m->subject, "_GR_.", 5) == 0) {
        /* gateway-routed reply space: clients may not publish into it */
        char text[600];
        snprintf(text, sizeof(text), "Permissions Violation for Publish to \"%.*s\"",
                 (int)(m->subject_len > 512 ? 512 : m->subject_len), m->subject);
        client_log(c, LOG_ERR, "Publish Violation - User %s, Subject \"%.*s\"", "\"\"",
                   (int)m->subject_len, m->subject);
        client_send_err(c, text);
        return 0;
    }
    if (m->reply && reserved_reply(m->reply, m->reply_len)) {
        char text[600];
        snprintf(text, sizeof(text), "Permissions Violation for Publish with Reply of \"%.*s\"",
                 (int)(m->reply_len > 512 ? 512 : m->reply_len), m->reply);
        client_log(c, LOG_ERR, "Publish Violation - User %s, Reply \"%.*s\"", "\"\"",
                   (int)m->reply_len, m->reply);
        client_send_err(c, text);
        return 0;
    }
    if (c->perms && !client_may_publish(c, m->subject, m->subject_len)) {
        char text[600], who[300];
        snprintf(text, sizeof(text), "Permissions Violation for Publish to \"%.*s\"",
                 (int)(m->subject_len > 512 ? 512 : m->subject_len), m->subject);
        client_log(c, LOG_ERR, "Publish Violation - %s, Subject \"%.*s\"",
                   client_auth_name(c, who, sizeof(who)), (int)m->subject_len, m->subject);
        client_send_err(c, text);
        return 0;
    }
    if (c->verbose)
        send_ok(c);
    deliver_publish(lp, c, m);
    return 0;
}

/* ---- SUB / UNSUB ---- */

struct subscription *client_sub_new(struct client *c, const char *subj, size_t slen,
                                    const char *queue, size_t qlen, const char *sid,
                                    size_t sidlen)
{
    struct subscription *sub = xcalloc(1, sizeof(*sub) + slen + qlen + sidlen + 3);
    char *p = (char *)(sub + 1);
    memcpy(p, subj, slen);
    p[slen] = '\0';
    sub->sl.subject = p;
    sub->sl.subject_len = (uint32_t)slen;
    p += slen + 1;
    if (queue) {
        memcpy(p, queue, qlen);
        p[qlen] = '\0';
        sub->sl.queue = p;
        sub->sl.queue_len = (uint32_t)qlen;
        p += qlen + 1;
    }
    memcpy(p, sid, sidlen);
    p[sidlen] = '\0';
    sub->sid = p;
    sub->sid_len = (uint32_t)sidlen;
    atomic_init(&sub->sl.refs, 0);
    client_ref(c);
    sub->c = c;
    sub->acc = c->acc;
    return sub;
}

void client_sub_release(struct sl_sub *sl)
{
    struct subscription *sub = (struct subscription *)sl;
    struct client *c = sub->c;
    free(sub);
    client_unref(c);
}

static int count_tokens(const char *s, size_t n)
{
    int t = 1;
    for (size_t i = 0; i < n; i++)
        t += s[i] == '.';
    return t;
}

/* The reference's texts: "Permissions Violation for Subscription to "x"" (+ ' using queue
 * "q"', or ", too many tokens" for max_sub_tokens); the connection stays. */
static void sub_violation(struct client *c, const char *subj, size_t slen, const char *queue,
                          size_t qlen, const char *sid, size_t sidlen, bool tokens)
{
    char text[1200], who[300];
    int sl = (int)(slen > 512 ? 512 : slen), ql = (int)(qlen > 512 ? 512 : qlen);

    client_auth_name(c, who, sizeof(who));
    if (tokens) {
        snprintf(text, sizeof(text),
                 "Permissions Violation for Subscription to \"%.*s\", too many tokens", sl, subj);
        client_log(c, LOG_ERR, "Subscription Violation Too Many Tokens - %s, Subject \"%.*s\", SID %.*s",
                   who, sl, subj, (int)sidlen, sid);
    } else if (queue) {
        snprintf(text, sizeof(text),
                 "Permissions Violation for Subscription to \"%.*s\" using queue \"%.*s\"", sl,
                 subj, ql, queue);
        client_log(c, LOG_ERR, "Subscription Violation - %s, Subject \"%.*s\", Queue: \"%.*s\", SID %.*s",
                   who, sl, subj, ql, queue, (int)sidlen, sid);
    } else {
        snprintf(text, sizeof(text), "Permissions Violation for Subscription to \"%.*s\"", sl,
                 subj);
        client_log(c, LOG_ERR, "Subscription Violation - %s, Subject \"%.*s\", SID %.*s", who, sl,
                   subj, (int)sidlen, sid);
    }
    client_send_err(c, text);
}

static int sub_cb(void *ctx, const char *subj, size_t slen, const char *queue, size_t qlen,
                  const char *sid, size_t sidlen)
{
    struct client *c = ctx;
    struct server *s = c->srv;
    struct subscription *sub;

    if (!subj_is_valid(subj, slen) || (queue && !subj_is_valid_queue(queue, qlen))) {
        client_send_err(c, proto_err_text(ERRT_INVALID_SUBJECT));
        return 0;
    }
    if (c->perms && !perms_sub_allowed(c->perms, subj, slen, queue, qlen)) {
        sub_violation(c, subj, slen, queue, qlen, sid, sidlen, false);
        return 0;
    }
    if (s->opts.max_sub_tokens > 0 && count_tokens(subj, slen) > s->opts.max_sub_tokens) {
        sub_violation(c, subj, slen, queue, qlen, sid, sidlen, true);
        return 0;
    }
    pthread_mutex_lock(&c->mu);
    if (sidmap_get(&c->subs, sid, (uint32_t)sidlen)) {
        pthread_mutex_unlock(&c->mu); /* a repeated sid is ignored */
        if (c->verbose)
            send_ok(c);
        return 0;
    }
    if (c->max_subs >= 0 && c->nsubs >= (uint32_t)c->max_subs) {
        pthread_mutex_unlock(&c->mu);
        client_log(c, LOG_ERR, "Maximum Subscriptions Exceeded, max=%d", c->max_subs);
        client_send_err(c, proto_err_text(ERRT_MAX_SUBS));
        return 0;
    }
    pthread_mutex_unlock(&c->mu);
    /* Into the trie first (not under c->mu: lock order L1), then the sid map. Only this loop
     * adds to the sid map, so the checks above still hold; a delivery that finds the sub in
     * between needs nothing from the map. */
    sub = client_sub_new(c, subj, slen, queue, qlen, sid, sidlen);
    sub->check_deny = c->perms && c->perms->sub_deny.n > 0 && subj_has_wildcard(subj, slen);
    if (sl_insert(sub->acc->sl, &sub->sl) != 0) { /* only for a subject subj_is_valid refused */
        client_sub_release(&sub->sl);
        client_send_err(c, proto_err_text(ERRT_INVALID_SUBJECT));
        return 0;
    }
    pthread_mutex_lock(&c->mu);
    sidmap_put(&c->subs, sub);
    c->nsubs++;
    pthread_mutex_unlock(&c->mu);
    if (c->verbose)
        send_ok(c);
    return 0;
}

static int unsub_cb(void *ctx, const char *sid, size_t sidlen, int64_t max)
{
    struct client *c = ctx;
    struct subscription *sub;
    bool remove = false;

    pthread_mutex_lock(&c->mu);
    sub = sidmap_get(&c->subs, sid, (uint32_t)sidlen);
    if (sub) {
        if (max > 0 && sub->nmsgs < (uint64_t)max) {
            sub->max = (uint64_t)max;
        } else {
            client_sub_detach_locked(c, sub);
            remove = true;
        }
    }
    pthread_mutex_unlock(&c->mu);
    if (remove)
        sl_remove(sub->acc->sl, &sub->sl);
    if (c->verbose)
        send_ok(c);
    return 0;
}

/* ---- PING / PONG ---- */

static int ping_cb(void *ctx)
{
    struct client *c = ctx;
    client_log(c, LOG_TRC, "->> [PONG]");
    client_send(c->loop, c, "PONG\r\n", 6);
    /* processPing: a protocol-1 client's first PING after CONNECT gets an INFO when its
     * max_payload is not the server's (JWT limits) */
    if (!c->pong_sent && c->connected && c->protocol >= 1 &&
        c->ps.max_payload != c->srv->opts.max_payload)
        info_send_ex(c, false);
    c->pong_sent = true;
    return 0;
}

static int pong_cb(void *ctx)
{
    struct client *c = ctx;
    c->pings_out = 0;
    if (c->rtt_start) {
        c->rtt_measured = true;
        c->rtt_start = 0;
        c->rtt_us = clock_mono_us() - c->rtt_start_us;
    }
    return 0;
}

/* A client's INFO is ignored, but it must be JSON: the reference closes on garbage. */
static int info_cb(void *ctx, const char *json, size_t len)
{
    struct client *c = ctx;
    json_error_t jerr;
    json_t *root = json_loadb(json, len, 0, &jerr);
    if (!root) {
        client_log(c, LOG_ERR, "processInfo: bad JSON: %.*s", (int)(len > 128 ? 128 : len), json);
        client_close(c, CLOSE_PROTOCOL_VIOLATION);
        return 1;
    }
    json_decref(root);
    return 0;
}

const struct proto_handlers client_proto_handlers = {
    .info = info_cb,
    .connect = connect_cb,
    .pub_line = pub_line_cb,
    .msg = msg_cb,
    .sub = sub_cb,
    .unsub = unsub_cb,
    .ping = ping_cb,
    .pong = pong_cb,
    .trace = trace_cb,
};
