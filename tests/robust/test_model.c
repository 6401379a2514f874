/* Stateful protocol test against a model (issue 7, reliability.md A8): four connections
 * interleave SUB, UNSUB and PUB at random (fixed seeds, so failures replay); a model that
 * knows nothing of the server says who must receive what. Every sync point checks, per
 * connection, that each publisher's messages arrived exactly once per matching sid, in that
 * publisher's order. The matcher here is written independently of src/sublist. */
#include "proc.h"
#include "test.h"
#include "wire.h"

#include <stdlib.h>
#include <string.h>

enum { CONNS = 4, MAXSUBS = 64, MAXEXP = 4096 };

static const char *const pats[] = {"a", "b", "a.b", "a.c", "b.c", "a.*", "*.b", "*", ">",
                                   "a.>", "b.>", "*.*", "a.b.c", "a.*.c", "*.b.>", "c.>"};
static const char *const subjs[] = {"a", "b", "c", "a.b", "a.c", "b.c", "c.c", "a.b.c",
                                    "a.c.c", "b.b.b", "c.b.a"};

/* token-wise match: '*' one token, '>' one or more (last) */
static bool match(const char *pat, const char *subj)
{
    while (*pat) {
        const char *pe = strchr(pat, '.'), *se = strchr(subj, '.');
        size_t pl = pe ? (size_t)(pe - pat) : strlen(pat);
        size_t sl = se ? (size_t)(se - subj) : strlen(subj);
        if (!*subj)
            return false;
        if (pl == 1 && pat[0] == '>')
            return true;
        if (!(pl == 1 && pat[0] == '*') && (pl != sl || memcmp(pat, subj, pl) != 0))
            return false;
        pat += pl + (pe ? 1 : 0);
        subj += sl + (se ? 1 : 0);
        if (!pe)
            return !se && !*subj ? true : (!pe && !se);
    }
    return !*subj;
}

struct msub {
    int sid;
    const char *pat;
    bool on;
};

struct model {
    struct msub subs[CONNS][MAXSUBS];
    int nsubs[CONNS];
    /* expected deliveries per connection, in order: "P<pub>.<seq> <sid>" lines */
    char *exp[CONNS];
    size_t explen[CONNS];
};

static void expect_line(struct model *m, int c, int pub, int seq, int sid)
{
    char line[64];
    int n = snprintf(line, sizeof(line), "P%d.%d %d\n", pub, seq, sid);
    m->exp[c] = realloc(m->exp[c], m->explen[c] + (size_t)n + 1);
    memcpy(m->exp[c] + m->explen[c], line, (size_t)n + 1);
    m->explen[c] += (size_t)n;
}

static int cmp_lines(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorts the lines of a buffer: per-publisher order is checked separately, and within one
 * publish the sids of one connection may come in any order. */
static char *sorted_lines(char *buf)
{
    char *lines[20000], *out, *save = NULL;
    int n = 0;
    size_t len = 0;
    for (char *t = strtok_r(buf, "\n", &save); t && n < 20000; t = strtok_r(NULL, "\n", &save))
        lines[n++] = t;
    qsort(lines, (size_t)n, sizeof(char *), cmp_lines);
    for (int i = 0; i < n; i++)
        len += strlen(lines[i]) + 1;
    out = calloc(1, len + 1);
    for (int i = 0; i < n; i++) {
        strcat(out, lines[i]);
        strcat(out, "\n");
    }
    return out;
}

/* Parses "MSG <subj> <sid> <len>\r\nP<pub>.<seq>\r\n" records from what arrived before the
 * PONG; checks per-publisher order; returns the "P.. sid" lines. */
static char *received_lines(const char *raw)
{
    size_t cap = 4096, len = 0;
    char *out = calloc(1, cap);
    int last_seq[CONNS];
    for (int i = 0; i < CONNS; i++)
        last_seq[i] = -1;
    for (const char *p = raw; (p = strstr(p, "MSG ")) != NULL;) {
        char subj[64], payload[64];
        int sid, size, pub, seq;
        if (sscanf(p, "MSG %63s %d %d\r\n%63[^\r]", subj, &sid, &size, payload) != 4)
            break;
        ASSERT(sscanf(payload, "P%d.%d", &pub, &seq) == 2);
        /* per-publisher order (a publish may be delivered to several sids: same seq) */
        ASSERT(seq >= last_seq[pub]);
        last_seq[pub] = seq;
        char line[64];
        int n = snprintf(line, sizeof(line), "%s %d\n", payload, sid);
        if (len + (size_t)n + 1 > cap) {
            cap *= 2;
            out = realloc(out, cap);
        }
        memcpy(out + len, line, (size_t)n + 1);
        len += (size_t)n;
        p += 4;
    }
    return out;
}

/* Sends PING on w and appends everything up to and including its PONG to *acc. */
static void sync_conn(struct wire *w, char **acc)
{
    char *got;
    size_t a = *acc ? strlen(*acc) : 0;
    wire_send(w, "PING\r\n");
    got = wire_until_at(__FILE__, __LINE__, w, "PONG\r\n", 5000);
    *acc = realloc(*acc, a + strlen(got) + 1);
    strcpy(*acc + a, got);
    free(got);
}

static void run_model(unsigned seed, int ops)
{
    char *acc[CONNS] = {0};
    struct server_proc sp = {0};
    struct wire *w[CONNS];
    struct model *m = calloc(1, sizeof(*m));
    int seq[CONNS] = {0}, next_sid = 1, checked = 0;

    srand(seed);
    ASSERT(proc_start(&sp, NULL, NULL) == 0);
    for (int c = 0; c < CONNS; c++) {
        w[c] = wire_connect(sp.port);
        ASSERT(w[c] != NULL);
        free(wire_info(w[c], 2000));
        wire_send(w[c], "CONNECT {\"verbose\":false,\"pedantic\":false}\r\n");
    }
    for (int op = 1; op <= ops; op++) {
        int c = rand() % CONNS, r = rand() % 10;
        if (r < 3 && m->nsubs[c] < MAXSUBS) { /* SUB, then sync so it is in effect */
            struct msub *s = &m->subs[c][m->nsubs[c]++];
            /* (see below) */
            s->sid = next_sid++;
            s->pat = pats[rand() % (int)(sizeof(pats) / sizeof(pats[0]))];
            s->on = true;
            /* earlier publishes on other connections are ordered before this SUB only once
             * their publishers have been synced */
            for (int k = 0; k < CONNS; k++)
                sync_conn(w[k], &acc[k]);
            wire_sendf(w[c], "SUB %s %d\r\n", s->pat, s->sid);
            sync_conn(w[c], &acc[c]);
        } else if (r < 4 && m->nsubs[c] > 0) { /* UNSUB, then sync */
            struct msub *s = &m->subs[c][rand() % m->nsubs[c]];
            for (int k = 0; k < CONNS; k++)
                sync_conn(w[k], &acc[k]);
            s->on = false;
            wire_sendf(w[c], "UNSUB %d\r\n", s->sid);
            sync_conn(w[c], &acc[c]);
        } else { /* PUB: pipelined, no sync */
            const char *subj = subjs[rand() % (int)(sizeof(subjs) / sizeof(subjs[0]))];
            char payload[32];
            int n = snprintf(payload, sizeof(payload), "P%d.%d", c, seq[c]);
            wire_sendf(w[c], "PUB %s %d\r\n%s\r\n", subj, n, payload);
            for (int k = 0; k < CONNS; k++)
                for (int i = 0; i < m->nsubs[k]; i++)
                    if (m->subs[k][i].on && match(m->subs[k][i].pat, subj))
                        expect_line(m, k, c, seq[c], m->subs[k][i].sid);
            seq[c]++;
        }
        if (op % 50 == 0 || op == ops) {
            /* publishers first, so every publish is routed before the readers' PONGs */
            for (int k = 0; k < CONNS; k++)
                sync_conn(w[k], &acc[k]);
            for (int k = 0; k < CONNS; k++) {
                sync_conn(w[k], &acc[k]);
                char *raw = acc[k];
                acc[k] = NULL;
                char *got = received_lines(raw);
                char *want = m->exp[k] ? m->exp[k] : calloc(1, 1);
                char *gs = sorted_lines(got), *ws = sorted_lines(want);
                if (strcmp(gs, ws) != 0)
                    test_fail(__FILE__, __LINE__, "seed %u op %d conn %d:\n got:\n%s\n want:\n%s",
                              seed, op, k, gs, ws);
                checked += (int)(strlen(ws) > 0);
                free(raw);
                free(got);
                free(gs);
                free(ws);
                free(want);
                m->exp[k] = NULL;
                m->explen[k] = 0;
            }
        }
    }
    printf("model seed %u: %d ops, deliveries checked at %d sync points\n", seed, ops, checked);
    for (int c = 0; c < CONNS; c++)
        wire_close(w[c]);
    free(m);
}

TEST(model_random_ops_seed_1)
{
    run_model(1, 3000);
}

TEST(model_random_ops_seed_2)
{
    run_model(2, 3000);
}

TEST(model_random_ops_seed_3)
{
    run_model(3, 3000);
}
