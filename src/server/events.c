/* System account advisories (mirrors server/events.go 2.9.10): a client's connect and
 * disconnect, published in the system account on $SYS.ACCOUNT.<account>.CONNECT and
 * .DISCONNECT as io.nats.server.advisory.v1.client_connect / client_disconnect. Built only
 * when something in the system account subscribes to the subject. Runs on the client's
 * owner loop; the delivery does not use the loop's match cache (it can run inside another
 * delivery's walk of a cached result, e.g. a close from an early flush). */
#include "server/events.h"

#include "core/clock.h"
#include "core/timefmt.h"
#include "core/xmalloc.h"
#include "server/account.h"
#include "server/client.h"
#include "server/info.h"
#include "server/server.h"
#include "sublist/sublist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVENT_BUF 4096

struct jbuf {
    char p[EVENT_BUF];
    size_t n;
};

__attribute__((format(printf, 2, 3))) static void put(struct jbuf *b, const char *fmt, ...)
{
    va_list ap;
    int w;
    if (b->n >= sizeof(b->p))
        return;
    va_start(ap, fmt);
    w = vsnprintf(b->p + b->n, sizeof(b->p) - b->n, fmt, ap);
    va_end(ap);
    if (w > 0)
        b->n += (size_t)w;
    if (b->n >= sizeof(b->p))
        b->n = sizeof(b->p) - 1;
}

/* ,"key":"<escaped value>" */
static void put_str(struct jbuf *b, const char *key, const char *v)
{
    char esc[1024];
    size_t n = info_json_escape(esc, 0, sizeof(esc), v);
    (void)n;
    put(b, ",\"%s\":\"%s\"", key, esc);
}

static bool has_interest(struct server *s, const char *subject)
{
    struct sl_result *r = sl_match(s->sacc->sl, subject, strlen(subject));
    bool any = r->npsubs > 0 || r->nqgroups > 0;
    sl_result_free(s->sacc->sl, r);
    return any;
}

/* A 22-character id in the nuid alphabet. */
static void event_id(struct loop *lp, char out[23])
{
    static const char digits[] =
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    for (int i = 0; i < 22; i++)
        out[i] = digits[loop_rand(lp) % 62];
    out[22] = '\0';
}

static void put_header(struct jbuf *b, struct loop *lp, const char *type)
{
    struct server *s = lp->srv;
    char id[23], now[48];
    int64_t t = clock_wall_ns();

    event_id(lp, id);
    timefmt_rfc3339(t, now, sizeof(now));
    put(b, "{\"type\":\"%s\",\"id\":\"%s\",\"timestamp\":\"%s\",\"server\":{\"name\":\"", type, id,
        now);
    b->n = info_json_escape(b->p, b->n, sizeof(b->p), s->name);
    put(b, "\",\"host\":\"");
    b->n = info_json_escape(b->p, b->n, sizeof(b->p), s->opts.host ? s->opts.host : "");
    put(b, "\",\"id\":\"%s\",\"ver\":\"%s\",\"seq\":%llu,\"jetstream\":false,\"time\":\"%s\"}", s->id,
        NATS_VERSION, (unsigned long long)(atomic_fetch_add(&s->event_seq, 1) + 1), now);
}

static void put_client(struct jbuf *b, struct client *c, bool disconnect, int64_t stop_ns)
{
    char t[48];
    char *name = NULL;

    timefmt_rfc3339(c->start_ns, t, sizeof(t));
    put(b, ",\"client\":{\"start\":\"%s\"", t);
    put_str(b, "host", c->host);
    put(b, ",\"id\":%llu", (unsigned long long)c->cid);
    put_str(b, "acc", c->acc->name);
    if (c->auth_user)
        put_str(b, "user", c->auth_user);
    pthread_mutex_lock(&c->mu);
    if (c->name && *c->name)
        name = xstrdup(c->name);
    pthread_mutex_unlock(&c->mu);
    if (name)
        put_str(b, "name", name);
    free(name);
    if (c->lang && *c->lang)
        put_str(b, "lang", c->lang);
    if (c->version && *c->version)
        put_str(b, "ver", c->version);
    if (disconnect) {
        if (c->rtt_us > 0)
            put(b, ",\"rtt\":%lld", (long long)c->rtt_us * 1000);
        timefmt_rfc3339(stop_ns, t, sizeof(t));
        put(b, ",\"stop\":\"%s\"", t);
    }
    put(b, ",\"kind\":\"Client\",\"client_type\":\"nats\"}");
}

static void publish(struct loop *lp, const char *subject, struct jbuf *b)
{
    struct server *s = lp->srv;
    struct proto_msg m = {0};

    m.subject = subject;
    m.subject_len = (uint32_t)strlen(subject);
    m.reply = ""; /* present but empty, as the reference sends its events */
    m.payload = b->p;
    m.size = (uint32_t)b->n;
    m.hdr_len = -1;
    lp->import_depth++; /* match without the loop's cache (see the file comment) */
    deliver_publish_in(lp, s->sacc, NULL, &m, false);
    lp->import_depth--;
}

void events_client_connect(struct loop *lp, struct client *c)
{
    struct server *s = lp->srv;
    char subject[512];
    struct jbuf *b;

    if (!s->sacc || !c->acc)
        return;
    snprintf(subject, sizeof(subject), "$SYS.ACCOUNT.%s.CONNECT", c->acc->name);
    if (!has_interest(s, subject))
        return;
    b = xmalloc(sizeof(*b));
    b->n = 0;
    put_header(b, lp, "io.nats.server.advisory.v1.client_connect");
    put_client(b, c, false, 0);
    put(b, "}");
    publish(lp, subject, b);
    free(b);
}

void events_client_disconnect(struct loop *lp, struct client *c, enum close_reason reason)
{
    struct server *s = lp->srv;
    char subject[512];
    uint64_t out_msgs, out_bytes;
    struct jbuf *b;

    if (!s->sacc || !c->acc)
        return;
    snprintf(subject, sizeof(subject), "$SYS.ACCOUNT.%s.DISCONNECT", c->acc->name);
    if (!has_interest(s, subject))
        return;
    pthread_mutex_lock(&c->mu);
    out_msgs = c->out_msgs;
    out_bytes = c->out_bytes;
    pthread_mutex_unlock(&c->mu);
    b = xmalloc(sizeof(*b));
    b->n = 0;
    put_header(b, lp, "io.nats.server.advisory.v1.client_disconnect");
    put_client(b, c, true, clock_wall_ns());
    /* from the client's side: what it sent is what the server received from it */
    put(b, ",\"sent\":{\"msgs\":%llu,\"bytes\":%llu}", (unsigned long long)c->in_msgs,
        (unsigned long long)c->in_bytes);
    put(b, ",\"received\":{\"msgs\":%llu,\"bytes\":%llu}", (unsigned long long)out_msgs,
        (unsigned long long)out_bytes);
    put(b, ",\"reason\":\"%s\"}", close_reason_text(reason));
    publish(lp, subject, b);
    free(b);
}
