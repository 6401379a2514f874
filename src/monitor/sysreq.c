/* The system account's request services (mirrors server/events.go 2.9.10): the monitoring
 * pages over NATS for natscli's `nats server info|list|ping|report`.
 *
 *   $SYS.REQ.SERVER.PING             STATSZ of this server
 *   $SYS.REQ.SERVER.PING.<KIND>      KIND of every server (here: this one)
 *   $SYS.REQ.SERVER.<id>.<KIND>      KIND of server <id>
 *   KIND: VARZ CONNZ SUBSZ ROUTEZ GATEWAYZ LEAFZ ACCOUNTZ JSZ HEALTHZ STATSZ
 *   $SYS.REQ.ACCOUNT.<acc>.CONNZ|SUBSZ  one account's connections or subscriptions
 *   and, unasked, $SYS.SERVER.<id>.STATSZ 1, 2, 4 ... s after start, then every 30 s
 *
 * The request body is the options JSON ({} or empty for defaults). Answers are
 * {"server":{...},"data":{...}} ({"server":..., "statsz":{...}} for STATSZ) or
 * {"server":..., "error":{"code":400,"description":"..."}}, sent with an empty but present
 * reply field, as the reference does ("MSG <inbox> <sid>  <size>").
 *
 * An internal client in the system account takes the requests on the publisher's loop and
 * queues them; a worker thread builds the answers (they need snapshots from the loops, which
 * a loop cannot wait for) and delivers them through a worker loop (loop_new_worker). */
#include "monitor/sysreq.h"

#include "core/clock.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "monitor/mon_priv.h"
#include "server/account.h"
#include "server/client.h"
#include "server/loop.h"
#include "server/server.h"
#include "server/snapshot.h"
#include "sublist/sublist.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SYSREQ_QUEUE_MAX 1024 /* requests waiting; more are dropped (the requester times out) */
#define SYSREQ_BODY_MAX (64 * 1024)
#define SYSREQ_FIRST_STATSZ_MS 1000       /* the first periodic STATSZ; the gap doubles */
#define SYSREQ_STATSZ_EVERY_MS (30 * 1000) /* up to every 30 s, as the reference */

struct sreq {
    struct sreq *next;
    char *subject, *reply, *body;
    size_t blen;
};

struct sysreq {
    struct server *s;
    struct monitor *m;
    struct client *ic;
    struct loop *wl;
    pthread_t thread;
    pthread_mutex_t mu; /* guards the queue and stop */
    pthread_cond_t cv;
    struct sreq *head, *tail;
    int n;
    bool stop;
    uint64_t seq; /* worker only */
};

/* ---- taking requests (a loop thread) ---- */

static bool take_request(struct loop *lp, struct subscription *sub, struct client *pub,
                         const struct proto_msg *m)
{
    struct sysreq *sr = sub->c->iarg;
    struct sreq *r;
    size_t blen;

    (void)lp;
    (void)pub;
    if (!m->reply || !m->reply_len)
        return false;
    blen = m->hdr_len > 0 ? m->size - (uint32_t)m->hdr_len : m->size;
    if (blen > SYSREQ_BODY_MAX)
        return false;
    r = xcalloc(1, sizeof(*r));
    r->subject = xstrndup(m->subject, m->subject_len);
    r->reply = xstrndup(m->reply, m->reply_len);
    r->body = xmemdup(m->payload + (m->hdr_len > 0 ? m->hdr_len : 0), blen);
    r->blen = blen;
    pthread_mutex_lock(&sr->mu);
    if (sr->stop || sr->n >= SYSREQ_QUEUE_MAX) {
        pthread_mutex_unlock(&sr->mu);
        free(r->subject);
        free(r->reply);
        free(r->body);
        free(r);
        return false;
    }
    if (sr->tail)
        sr->tail->next = r;
    else
        sr->head = r;
    sr->tail = r;
    sr->n++;
    pthread_cond_signal(&sr->cv);
    pthread_mutex_unlock(&sr->mu);
    return true;
}

/* ---- answering (the worker) ---- */

static json_t *server_info(struct sysreq *sr)
{
    json_t *o = json_object();
    char t[64];

    mon_fmt_time(clock_wall_ns(), t, sizeof(t));
    json_object_set_new(o, "name", json_string(sr->s->name));
    json_object_set_new(o, "host", json_string(sr->s->opts.host ? sr->s->opts.host : ""));
    json_object_set_new(o, "id", json_string(sr->s->id));
    json_object_set_new(o, "ver", json_string(NATS_VERSION));
    json_object_set_new(o, "seq",
                        json_integer((json_int_t)(atomic_fetch_add(&sr->s->event_seq, 1) + 1)));
    json_object_set_new(o, "jetstream", json_false());
    json_object_set_new(o, "time", json_string(t));
    return o;
}

static json_t *statsz(struct sysreq *sr)
{
    struct server *s = sr->s;
    struct server_snap sn;
    struct sl_stats st;
    json_t *o = json_object(), *sent = json_object(), *recv = json_object();
    int64_t mem = 0;
    double cpu = 0;
    char t[64];
    int active = 0;

    server_snapshot(s, 0, 0, MON_SNAP_TIMEOUT_MS, &sn);
    mon_proc_usage(s, sr->m, &mem, &cpu);
    server_sublist_stats(s, &st);
    for (uint32_t i = 0; i < s->naccounts; i++)
        active += atomic_load(&s->accounts[i]->nconns) > 0;
    mon_fmt_time(s->start_ns, t, sizeof(t));
    json_object_set_new(o, "start", json_string(t));
    json_object_set_new(o, "mem", json_integer(mem));
    json_object_set_new(o, "cores", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
    json_object_set_new(o, "cpu", json_real(cpu));
    json_object_set_new(o, "connections", json_integer(atomic_load(&s->nconns)));
    json_object_set_new(o, "total_connections",
                        json_integer((json_int_t)(atomic_load(&s->next_cid) - s->first_cid)));
    json_object_set_new(o, "active_accounts", json_integer(active));
    json_object_set_new(o, "subscriptions", json_integer((json_int_t)st.count));
    json_object_set_new(sent, "msgs", json_integer((json_int_t)sn.t.out_msgs));
    json_object_set_new(sent, "bytes", json_integer((json_int_t)sn.t.out_bytes));
    json_object_set_new(recv, "msgs", json_integer((json_int_t)sn.t.in_msgs));
    json_object_set_new(recv, "bytes", json_integer((json_int_t)sn.t.in_bytes));
    json_object_set_new(o, "sent", sent);
    json_object_set_new(o, "received", recv);
    json_object_set_new(o, "slow_consumers", json_integer((json_int_t)sn.t.slow_consumers));
    json_object_set_new(o, "active_servers", json_integer(1));
    server_snap_release(&sn);
    return o;
}

/* The data of one KIND, or NULL with err set. */
static json_t *kind_data(struct sysreq *sr, const char *kind, const json_t *body, char *err,
                         size_t errcap)
{
    struct server *s = sr->s;

    if (!strcmp(kind, "VARZ"))
        return mon_varz(s, sr->m);
    if (!strcmp(kind, "CONNZ")) {
        struct mon_connz_opts o;
        mon_connz_opts_init(&o);
        if (mon_connz_opts_from_json(body, &o, err, errcap) != 0)
            return NULL;
        return mon_connz(s, &o, err, errcap);
    }
    if (!strcmp(kind, "SUBSZ")) {
        struct mon_subsz_opts o;
        mon_subsz_opts_init(&o);
        if (mon_subsz_opts_from_json(body, &o, err, errcap) != 0)
            return NULL;
        return mon_subsz(s, &o, err, errcap);
    }
    if (!strcmp(kind, "ROUTEZ"))
        return mon_routez(s);
    if (!strcmp(kind, "GATEWAYZ"))
        return mon_gatewayz(s);
    if (!strcmp(kind, "LEAFZ"))
        return mon_leafz(s);
    if (!strcmp(kind, "ACCOUNTZ")) {
        const char *acc = NULL;
        json_t *a = body ? json_object_get(body, "account") : NULL;
        if (a && json_is_string(a) && *json_string_value(a))
            acc = json_string_value(a);
        return mon_accountz(s, acc, err, errcap);
    }
    if (!strcmp(kind, "JSZ"))
        return mon_jsz(s);
    if (!strcmp(kind, "HEALTHZ")) {
        struct mon_healthz_opts o = {0};
        return mon_healthz(s, &o);
    }
    snprintf(err, errcap, "unknown request kind %s", kind);
    return NULL;
}

static bool known_kind(const char *k)
{
    static const char *const kinds[] = {"VARZ",  "CONNZ", "SUBSZ",    "ROUTEZ", "GATEWAYZ",
                                        "LEAFZ", "JSZ",   "ACCOUNTZ", "HEALTHZ", "STATSZ"};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (!strcmp(k, kinds[i]))
            return true;
    }
    return false;
}

static void respond(struct sysreq *sr, const char *reply, json_t *answer)
{
    char *text = json_dumps(answer, JSON_COMPACT | JSON_PRESERVE_ORDER);
    struct proto_msg m = {0};

    if (!text)
        return;
    m.subject = reply;
    m.subject_len = (uint32_t)strlen(reply);
    m.reply = ""; /* present but empty: "MSG <subject> <sid>  <size>", as the reference */
    m.reply_len = 0;
    m.payload = text;
    m.size = (uint32_t)strlen(text);
    m.hdr_len = -1;
    deliver_publish_in(sr->wl, sr->s->sacc, NULL, &m, false);
    loop_end_batch(sr->wl);
    free(text);
}

/* EventFilterOptions: a request for "server_name", "host", "cluster", "domain" or "tags"
 * that do not describe this server gets no answer (natrium has no cluster, domain or tags). */
static bool filter_matches(struct server *s, const json_t *body)
{
    const json_t *v;

    if ((v = json_object_get(body, "server_name")) && json_is_string(v) &&
        *json_string_value(v) && strcmp(json_string_value(v), s->name) != 0)
        return false;
    if ((v = json_object_get(body, "host")) && json_is_string(v) && *json_string_value(v) &&
        strcmp(json_string_value(v), s->opts.host ? s->opts.host : "") != 0)
        return false;
    if ((v = json_object_get(body, "cluster")) && json_is_string(v) && *json_string_value(v))
        return false;
    if ((v = json_object_get(body, "domain")) && json_is_string(v) && *json_string_value(v))
        return false;
    if ((v = json_object_get(body, "tags")) && json_is_array(v) && json_array_size(v) > 0)
        return false;
    return true;
}

/* The request's options JSON (NULL when empty); on bad JSON, NULL with err set. */
static json_t *parse_body(const struct sreq *r, char *err, size_t errcap)
{
    json_error_t je;
    json_t *body;

    if (r->blen == 0)
        return NULL;
    body = json_loadb(r->body, r->blen, 0, &je);
    if (!body || !json_is_object(body)) {
        snprintf(err, errcap, "%s", body ? "options are not an object" : je.text);
        json_decref(body);
        return NULL;
    }
    return body;
}

/* {"server":{...}, key: data} or, without data, {"server":{...},"error":{400, err}}. Takes
 * data. */
static void answer(struct sysreq *sr, const char *reply, const char *key, json_t *data,
                   const char *err)
{
    json_t *a = json_object();

    json_object_set_new(a, "server", server_info(sr));
    if (data) {
        json_object_set_new(a, key, data);
    } else {
        json_t *e = json_object();
        json_object_set_new(e, "code", json_integer(400));
        json_object_set_new(e, "description", json_string(err));
        json_object_set_new(a, "error", e);
    }
    respond(sr, reply, a);
    json_decref(a);
}

/* $SYS.REQ.ACCOUNT.<acc>.CONNZ|SUBSZ: the account's connections or subscriptions. */
static void handle_account(struct sysreq *sr, struct sreq *r, const char *rest)
{
    const char *dot = strrchr(rest, '.');
    char acc[256], err[MON_ERR_MAX] = "";
    json_t *body, *data = NULL;

    if (!dot || dot == rest || (size_t)(dot - rest) >= sizeof(acc))
        return;
    snprintf(acc, sizeof(acc), "%.*s", (int)(dot - rest), rest);
    if (!strcmp(acc, "PING"))
        return; /* $SYS.REQ.ACCOUNT.PING.*: every account's, not answered yet */
    if (strcmp(dot + 1, "CONNZ") != 0 && strcmp(dot + 1, "SUBSZ") != 0)
        return; /* INFO, STATZ, CONNS, LEAFZ, JSZ: not answered yet */
    body = parse_body(r, err, sizeof(err));
    if (!err[0] && !strcmp(dot + 1, "CONNZ")) {
        struct mon_connz_opts o;
        if (mon_connz_opts_from_json(body, &o, err, sizeof(err)) == 0) {
            snprintf(o.acc, sizeof(o.acc), "%s", acc);
            data = mon_connz(sr->s, &o, err, sizeof(err));
        }
    } else if (!err[0]) {
        struct mon_subsz_opts o;
        if (mon_subsz_opts_from_json(body, &o, err, sizeof(err)) == 0) {
            snprintf(o.acc, sizeof(o.acc), "%s", acc);
            o.subs = true;
            data = mon_subsz(sr->s, &o, err, sizeof(err));
        }
    }
    answer(sr, r->reply, "data", data, err);
    json_decref(body);
}

static void handle(struct sysreq *sr, struct sreq *r)
{
    static const char pfx[] = "$SYS.REQ.SERVER.", apfx[] = "$SYS.REQ.ACCOUNT.";
    const char *rest, *kind;
    json_t *body;
    char err[MON_ERR_MAX] = "";
    size_t idl = strlen(sr->s->id);

    if (strncmp(r->subject, apfx, sizeof(apfx) - 1) == 0) {
        handle_account(sr, r, r->subject + sizeof(apfx) - 1);
        return;
    }
    if (strncmp(r->subject, pfx, sizeof(pfx) - 1) != 0)
        return;
    rest = r->subject + sizeof(pfx) - 1;
    if (!strcmp(rest, "PING")) {
        kind = "STATSZ";
    } else if (!strncmp(rest, "PING.", 5)) {
        kind = rest + 5;
    } else if (!strncmp(rest, sr->s->id, idl) && rest[idl] == '.') {
        kind = rest + idl + 1;
    } else {
        return; /* another server's, or not ours to answer */
    }
    if (!known_kind(kind))
        return; /* the reference has no subscription there: no answer */
    body = parse_body(r, err, sizeof(err));
    if (body && !filter_matches(sr->s, body)) {
        json_decref(body); /* the request names other servers: only they answer */
        return;
    }
    if (!err[0] && !strcmp(kind, "STATSZ"))
        answer(sr, r->reply, "statsz", statsz(sr), err);
    else
        answer(sr, r->reply, "data", err[0] ? NULL : kind_data(sr, kind, body, err, sizeof(err)),
               err);
    json_decref(body);
}

/* $SYS.SERVER.<id>.STATSZ, the reference's periodic statistics (statsz every 30 s), sent
 * only when a subscription in the system account wants it. */
static void publish_statsz(struct sysreq *sr)
{
    char subject[128];
    struct sl_result *r;
    bool want;

    snprintf(subject, sizeof(subject), "$SYS.SERVER.%s.STATSZ", sr->s->id);
    r = sl_match(sr->s->sacc->sl, subject, strlen(subject));
    want = r->npsubs > 0 || r->nqgroups > 0;
    sl_result_free(sr->s->sacc->sl, r);
    if (!want)
        return;
    answer(sr, subject, "statsz", statsz(sr), "");
}

/* Waits on the queue until a request comes, stop is set or the next STATSZ is due (then
 * returns NULL with the lock released and the deadline moved on). */
static struct sreq *next_request(struct sysreq *sr, int64_t *due_ms, bool *stop)
{
    struct sreq *r = NULL;

    pthread_mutex_lock(&sr->mu);
    while (!sr->head && !sr->stop) {
        int64_t now = clock_wall_ns() / 1000000;
        struct timespec ts;
        if (now >= *due_ms)
            break;
        ts.tv_sec = (time_t)(*due_ms / 1000);
        ts.tv_nsec = (long)(*due_ms % 1000) * 1000000L;
        pthread_cond_timedwait(&sr->cv, &sr->mu, &ts); /* CLOCK_REALTIME, as the default */
    }
    *stop = sr->stop;
    if (!sr->stop && sr->head) {
        r = sr->head;
        sr->head = r->next;
        if (!sr->head)
            sr->tail = NULL;
        sr->n--;
    }
    pthread_mutex_unlock(&sr->mu);
    return r;
}

static void *worker(void *arg)
{
    struct sysreq *sr = arg;
    int64_t every = SYSREQ_FIRST_STATSZ_MS;
    int64_t due_ms = clock_wall_ns() / 1000000 + every;

    for (;;) {
        struct sreq *r;
        bool stop;

        r = next_request(sr, &due_ms, &stop);
        if (stop)
            break;
        if (!r) { /* the STATSZ deadline: often after start, then every 30 s */
            every = every * 2 < SYSREQ_STATSZ_EVERY_MS ? every * 2 : SYSREQ_STATSZ_EVERY_MS;
            due_ms = clock_wall_ns() / 1000000 + every;
            pthread_rwlock_rdlock(&sr->s->cfg_lock);
            publish_statsz(sr);
            pthread_rwlock_unlock(&sr->s->cfg_lock);
            continue;
        }
        pthread_rwlock_rdlock(&sr->s->cfg_lock); /* a reload changes what the answers read */
        handle(sr, r);
        pthread_rwlock_unlock(&sr->s->cfg_lock);
        free(r->subject);
        free(r->reply);
        free(r->body);
        free(r);
    }
    return NULL;
}

struct sysreq *sysreq_start(struct server *s, struct monitor *m)
{
    static const char *const subjects[] = {"$SYS.REQ.SERVER.PING", "$SYS.REQ.SERVER.PING.*",
                                           "$SYS.REQ.ACCOUNT.*.CONNZ",
                                           "$SYS.REQ.ACCOUNT.*.SUBSZ", NULL};
    struct sysreq *sr;
    char own[128];

    if (!s->sacc)
        return NULL;
    sr = xcalloc(1, sizeof(*sr));
    sr->s = s;
    sr->m = m;
    pthread_mutex_init(&sr->mu, NULL);
    pthread_cond_init(&sr->cv, NULL);
    sr->wl = loop_new_worker(s);
    if (pthread_create(&sr->thread, NULL, worker, sr) != 0) {
        loop_free(sr->wl);
        pthread_mutex_destroy(&sr->mu);
        pthread_cond_destroy(&sr->cv);
        free(sr);
        return NULL;
    }
    sr->ic = client_new_internal(s, s->sacc, take_request, sr);
    for (int i = 0; subjects[i]; i++)
        client_sub_internal(sr->ic, subjects[i]);
    snprintf(own, sizeof(own), "$SYS.REQ.SERVER.%s.*", s->id);
    client_sub_internal(sr->ic, own);
    return sr;
}

void sysreq_stop(struct sysreq *sr)
{
    if (!sr)
        return;
    pthread_mutex_lock(&sr->mu);
    sr->stop = true;
    pthread_cond_signal(&sr->cv);
    pthread_mutex_unlock(&sr->mu);
    pthread_join(sr->thread, NULL);
}

void sysreq_free(struct sysreq *sr)
{
    if (!sr)
        return;
    client_free_internal(sr->ic);
    while (sr->head) {
        struct sreq *r = sr->head;
        sr->head = r->next;
        free(r->subject);
        free(r->reply);
        free(r->body);
        free(r);
    }
    loop_free(sr->wl);
    pthread_mutex_destroy(&sr->mu);
    pthread_cond_destroy(&sr->cv);
    free(sr);
}
