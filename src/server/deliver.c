/* Message delivery (mirrors deliverMsg / processMsgResults in server/client.go). Runs on the
 * publisher's loop; appends to each subscriber's outbound queue under its lock (T3) and leaves
 * the flushing to the end of the batch (T4). */
#include "server/client.h"

#include "core/clock.h"
#include "core/xmalloc.h"
#include "server/account.h"
#include "server/auth.h"
#include "server/server.h"
#include "sublist/sublist.h"

#include <stdlib.h>
#include <string.h>

#define STATUS_NO_RESPONDERS "NATS/1.0 503\r\n\r\n"

static inline char *put(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

static inline char *put_u32(char *p, uint32_t v)
{
    char tmp[10];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

bool deliver_to_sub(struct loop *lp, struct client *pub, struct subscription *sub,
                    const struct proto_msg *m)
{
    struct client *c = sub->c;
    bool remove = false, hmsg, slow = false, early = false;
    size_t hlen, body;
    char stackbuf[1024], *line = stackbuf, *p;
    uint32_t payload_off = 0, payload_len = m->size;

    if (c->icb) { /* an import: it counts as taken, as in the reference (no 503) */
        c->icb(lp, sub, pub, m);
        return true;
    }
    if (c == pub && !pub->echo)
        return false;
    if (sub->check_deny && perms_sub_denied_msg(c->perms, m->subject, m->subject_len))
        return false;
    hmsg = m->hdr_len >= 0 && atomic_load_explicit(&c->headers_ok, memory_order_relaxed);
    if (m->hdr_len >= 0 && !hmsg) {
        /* a header message to a client without headers: strip the header */
        payload_off = (uint32_t)m->hdr_len;
        payload_len = m->size - (uint32_t)m->hdr_len;
    }
    hlen = 4 + m->subject_len + 1 + sub->sid_len + 1 + (m->reply ? m->reply_len + 1 : 0) + 24;
    if (hlen > sizeof(stackbuf))
        line = xmalloc(hlen);
    p = line;
    p = hmsg ? put(p, "HMSG ", 5) : put(p, "MSG ", 4);
    p = put(p, m->subject, m->subject_len);
    *p++ = ' ';
    p = put(p, sub->sid, sub->sid_len);
    *p++ = ' ';
    if (m->reply) {
        p = put(p, m->reply, m->reply_len);
        *p++ = ' ';
    }
    if (hmsg) {
        p = put_u32(p, (uint32_t)m->hdr_len);
        *p++ = ' ';
    }
    p = put_u32(p, payload_len);
    *p++ = '\r';
    *p++ = '\n';
    body = (size_t)(p - line);

    pthread_mutex_lock(&c->mu);
    if (sub->closed || c->closing || (sub->max && sub->nmsgs >= sub->max)) {
        pthread_mutex_unlock(&c->mu);
        if (line != stackbuf)
            free(line);
        return false;
    }
    if (c->out_pending + body + payload_len + 2 > (uint64_t)c->srv->opts.max_pending) {
        slow = true;
        client_mark_slow_locked(lp, c);
    } else {
        sub->nmsgs++;
        if (sub->max && sub->nmsgs >= sub->max) {
            client_sub_detach_locked(c, sub); /* auto-unsubscribe: max reached */
            remove = true;
        }
        if (m->reply_len && c->perms && c->perms->resp)
            replies_add(&c->replies, m->reply, m->reply_len, clock_mono_ms(),
                        c->perms->resp_expires_ms);
        client_out_append_locked(c, line, body);
        client_out_append_locked(c, m->payload + payload_off, payload_len);
        client_out_append_locked(c, "\r\n", 2);
        early = c->out_pending >= LOOP_EARLY_FLUSH_BYTES;
        c->out_msgs++;
        c->out_bytes += payload_len;
        client_queue_flush_locked(lp, c);
    }
    pthread_mutex_unlock(&c->mu);
    if (c->srv->log.trace && !slow)
        client_log(c, LOG_TRC, "->> [%.*s]", (int)(body - 2), line);
    if (line != stackbuf)
        free(line);
    if (slow)
        return false; /* the owner logs it when it closes c */
    lp->out_msgs++;
    lp->out_bytes += payload_len;
    if (remove)
        sl_remove(sub->acc->sl, &sub->sl);
    /* never the publisher itself: a write error would close it inside its own parse */
    if (early && c != pub)
        loop_flush_early(lp, c);
    return true;
}

/* The 503 status a no_responders client gets when its request reached nobody: delivered on its
 * own subscriptions that match the reply subject. */
static void send_no_responders(struct loop *lp, struct client *pub, const struct proto_msg *m)
{
    struct proto_msg st = {
        .subject = m->reply,
        .subject_len = m->reply_len,
        .payload = STATUS_NO_RESPONDERS,
        .hdr_len = (int32_t)strlen(STATUS_NO_RESPONDERS),
        .size = (uint32_t)strlen(STATUS_NO_RESPONDERS),
    };
    struct sl_result *r = loop_match(lp, pub->acc->sl, m->reply, m->reply_len);
    for (uint32_t i = 0; i < r->npsubs; i++) {
        struct subscription *sub = (struct subscription *)r->psubs[i];
        if (sub->c == pub && deliver_to_sub(lp, NULL, sub, &st))
            return;
    }
    for (uint32_t g = 0; g < r->nqgroups; g++) {
        for (uint32_t i = 0; i < r->qgroups[g].n; i++) {
            struct subscription *sub = (struct subscription *)r->qgroups[g].subs[i];
            if (sub->c == pub && deliver_to_sub(lp, NULL, sub, &st))
                return;
        }
    }
}

bool deliver_publish_in(struct loop *lp, struct account *acc, struct client *pub,
                        const struct proto_msg *m, bool no_resp)
{
    /* Within an import's delivery the outer match result is still being walked: match
     * without the cache, which could free it. */
    bool nested = lp->import_depth > 0;
    struct sl_result *r = nested ? sl_match(acc->sl, m->subject, m->subject_len)
                                 : loop_match(lp, acc->sl, m->subject, m->subject_len);
    bool delivered = false;

    for (uint32_t i = 0; i < r->npsubs; i++)
        delivered |= deliver_to_sub(lp, pub, (struct subscription *)r->psubs[i], m);
    for (uint32_t g = 0; g < r->nqgroups; g++) {
        struct sl_qgroup *qg = &r->qgroups[g];
        uint32_t start = (uint32_t)(loop_rand(lp) % qg->n);
        /* one member per group; if the chosen one cannot take it, try the next */
        for (uint32_t k = 0; k < qg->n; k++) {
            struct subscription *sub = (struct subscription *)qg->subs[(start + k) % qg->n];
            if (deliver_to_sub(lp, pub, sub, m)) {
                delivered = true;
                break;
            }
        }
    }
    if (nested)
        sl_result_free(acc->sl, r);
    if (!delivered && no_resp && pub && m->reply && pub->no_responders)
        send_no_responders(lp, pub, m);
    return delivered;
}

void deliver_publish(struct loop *lp, struct client *pub, const struct proto_msg *m)
{
    deliver_publish_in(lp, pub->acc, pub, m, true);
}
