/* System-service requests and Go-style formatting for the server and account commands
 * (see sysreq.h). */
#include "cli/sysreq.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/xmalloc.h"

#define SYSREQ_QUIET_MS 300 /* doReqAsync's finisher: stop 300 ms after the last reply */

int sysreq_collect(struct cli *cli, natsConnection *nc, const char *subj, const char *body,
                   int want, sysreq_cb *cb, void *arg)
{
    natsSubscription *sub = NULL;
    char *inbox = cli_new_inbox(cli);
    const char *req = body ? body : "{}";
    int64_t start = clock_mono_ms(), start_ns = cli_mono_ns(), quiet_until;
    int64_t deadline = start + cli->timeout_ms;
    int count = 0;
    bool no_resp = false;

    if (cli->trace)
        cli_logf(cli, ">>> %s: %s\n", subj, req);
    if (natsConnection_SubscribeSync(&sub, nc, inbox) != NATS_OK ||
        natsConnection_PublishRequestString(nc, subj, inbox, req) != NATS_OK) {
        natsSubscription_Destroy(sub);
        free(inbox);
        return -2;
    }
    natsConnection_Flush(nc);
    quiet_until = start + SYSREQ_QUIET_MS;
    for (;;) {
        int64_t now = clock_mono_ms(), until = deadline;
        natsMsg *m = NULL;

        if (want <= 0 && quiet_until < until)
            until = quiet_until;
        if (now >= until || cli_interrupted())
            break;
        natsStatus s = natsSubscription_NextMsg(&m, sub, until - now);
        if (s == NATS_NO_RESPONDERS) { /* libnats turns a 503 status into this */
            no_resp = true;
            break;
        }
        if (s != NATS_OK)
            continue; /* timeout: the loop condition ends it */
        const char *data = natsMsg_GetData(m);
        int len = natsMsg_GetDataLength(m);
        if (cli->trace) {
            cli_logf(cli, "<<< (%dB) %.*s", len, len, data ? data : "");
        }
        quiet_until = clock_mono_ms() + SYSREQ_QUIET_MS;
        if (cli_is_no_responders(m)) {
            natsMsg_Destroy(m);
            no_resp = true;
            break;
        }
        json_t *j = json_loadb(data ? data : "", (size_t)len, 0, NULL);
        cb(arg, j, data, len, cli_mono_ns() - start_ns);
        json_decref(j);
        natsMsg_Destroy(m);
        count++;
        if (want > 0 && count == want)
            break;
    }
    natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
    free(inbox);
    if (no_resp)
        return -1;
    if (cli->trace)
        cli_logf(cli, ">>> Received %d responses", count);
    return count;
}

json_t *sysreq_one(struct cli *cli, natsConnection *nc, const char *subj, const char *body)
{
    natsMsg *m = NULL;
    json_t *j = NULL;

    if (cli->trace)
        cli_logf(cli, ">>> %s: %s", subj, body);
    if (natsConnection_RequestString(&m, nc, subj, body, cli->timeout_ms) != NATS_OK)
        return NULL;
    if (cli_is_no_responders(m)) {
        natsMsg_Destroy(m);
        return NULL;
    }
    if (cli->trace) {
        char *raw = xstrndup(natsMsg_GetData(m) ? natsMsg_GetData(m) : "",
                             (size_t)natsMsg_GetDataLength(m));
        char *q = cli_go_quote(raw);
        cli_logf(cli, "<<< %s", q);
        free(q);
        free(raw);
    }
    j = json_loadb(natsMsg_GetData(m) ? natsMsg_GetData(m) : "",
                   (size_t)natsMsg_GetDataLength(m), 0, NULL);
    natsMsg_Destroy(m);
    return j;
}

void sysreq_humanize_duration(int64_t ns, char *buf, size_t n)
{
    int64_t secs = ns / 1000000000LL, mins = secs / 60, hrs = mins / 60, days = hrs / 24,
            yrs = days / 365;

    if (yrs > 0)
        snprintf(buf, n, "%" PRId64 "y%" PRId64 "d%" PRId64 "h%" PRId64 "m%" PRId64 "s", yrs,
                 days % 365, hrs % 24, mins % 60, secs % 60);
    else if (days > 0)
        snprintf(buf, n, "%" PRId64 "d%" PRId64 "h%" PRId64 "m%" PRId64 "s", days, hrs % 24,
                 mins % 60, secs % 60);
    else if (hrs > 0)
        snprintf(buf, n, "%" PRId64 "h%" PRId64 "m%" PRId64 "s", hrs, mins % 60, secs % 60);
    else if (mins > 0)
        snprintf(buf, n, "%" PRId64 "m%" PRId64 "s", mins, secs % 60);
    else
        snprintf(buf, n, "%.2fs", (double)ns / 1e9);
}

/* Parses "2006-01-02T15:04:05.999999999Z07:00": the UTC time in *secs, the fraction digits,
 * the offset in seconds. Returns 0 or -1. */
static int parse_rfc3339(const char *s, time_t *secs, char *frac, size_t fn, int *off)
{
    struct tm tm;
    int y, mo, d, h, mi, se, n = 0;
    const char *p;

    memset(&tm, 0, sizeof(tm));
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) != 6)
        return -1;
    p = s + n;
    frac[0] = '\0';
    if (*p == '.') {
        size_t l = 0;
        p++;
        while (*p >= '0' && *p <= '9') {
            if (l + 1 < fn)
                frac[l++] = *p;
            p++;
        }
        frac[l] = '\0';
    }
    *off = 0;
    if (*p == '+' || *p == '-') {
        int oh = 0, om = 0;
        if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2)
            return -1;
        *off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
    } else if (*p != 'Z') {
        return -1;
    }
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    *secs = timegm(&tm) - *off;
    return 0;
}

int64_t sysreq_since_ns(const char *rfc3339)
{
    time_t secs;
    char frac[16];
    int off;
    struct timespec now;
    int64_t ns = 0;

    if (parse_rfc3339(rfc3339, &secs, frac, sizeof(frac), &off) != 0)
        return 0;
    for (int i = 0; i < 9; i++)
        ns = ns * 10 + (frac[i] && i < (int)strlen(frac) ? frac[i] - '0' : 0);
    clock_gettime(CLOCK_REALTIME, &now);
    return ((int64_t)now.tv_sec - (int64_t)secs) * 1000000000LL + now.tv_nsec - ns;
}

void sysreq_go_time(const char *rfc3339, char *buf, size_t n)
{
    time_t secs, local;
    char frac[16], date[32], zone[16];
    int off;
    struct tm tm;

    if (parse_rfc3339(rfc3339, &secs, frac, sizeof(frac), &off) != 0) {
        snprintf(buf, n, "%s", rfc3339 ? rfc3339 : "");
        return;
    }
    size_t fl = strlen(frac);
    while (fl > 0 && frac[fl - 1] == '0') /* Go's .999999999 drops trailing zeros */
        frac[--fl] = '\0';
    local = secs + off;
    gmtime_r(&local, &tm);
    strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
    int ao = off < 0 ? -off : off;
    snprintf(zone, sizeof(zone), "%c%02d%02d", off < 0 ? '-' : '+', ao / 3600, (ao / 60) % 60);
    snprintf(buf, n, "%s%s%s %s %s", date, fl ? "." : "", frac, zone, off == 0 ? "UTC" : zone);
}

int64_t sysreq_int(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    if (json_is_real(v))
        return (int64_t)json_real_value(v);
    return 0;
}

double sysreq_real(json_t *obj, const char *key)
{
    return json_number_value(json_object_get(obj, key));
}

const char *sysreq_str(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));

    return s ? s : "";
}
