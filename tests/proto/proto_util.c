/* Helpers for the raw-protocol tests: see proto_util.h. */
#include "proto_util.h"

#include <stdlib.h>

void pu_start_at(const char *file, int line, struct server_proc *sp, const char *const *args)
{
    if (proc_start(sp, NULL, args) != 0)
        test_fail(file, line, "server %s did not start", proc_our_bin());
}

void pu_start_conf_at(const char *file, int line, struct server_proc *sp, const char *conf)
{
    if (proc_start_conf(sp, NULL, conf, NULL) != 0)
        test_fail(file, line, "server %s did not start with config:\n%s", proc_our_bin(), conf);
}

struct wire *pu_connect_at(const char *file, int line, int port, char **info)
{
    struct wire *w = wire_connect(port);
    char *json;

    if (!w)
        test_fail(file, line, "cannot connect to 127.0.0.1:%d", port);
    json = wire_info(w, WIRE_TIMEOUT_MS);
    if (!json)
        test_fail(file, line, "no INFO line from the server, got \"%s\"%s",
                  wire_escape(w->buf, w->len), w->closed ? " (closed)" : "");
    if (info)
        *info = json;
    else
        free(json);
    return w;
}

struct wire *pu_client_at(const char *file, int line, int port, const char *json)
{
    struct wire *w = pu_connect_at(file, line, port, NULL);
    wire_sendf(w, "CONNECT %s\r\nPING\r\n", json);
    wire_expect_at(file, line, w, "PONG\r\n", WIRE_TIMEOUT_MS);
    return w;
}

/* Finds "key": in json and returns a pointer just after the colon, or NULL. */
static const char *find_key(const char *json, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = json; (p = strchr(p, '"')) != NULL; p++) {
        if (strncmp(p + 1, key, kl) == 0 && p[kl + 1] == '"' && p[kl + 2] == ':')
            return p + kl + 3;
    }
    return NULL;
}

char *pu_json_str(const char *json, const char *key)
{
    const char *v = json ? find_key(json, key) : NULL;
    const char *end;
    char *s;

    if (!v || *v != '"')
        return NULL;
    v++;
    end = strchr(v, '"');
    if (!end)
        return NULL;
    s = malloc((size_t)(end - v) + 1);
    memcpy(s, v, (size_t)(end - v));
    s[end - v] = '\0';
    return s;
}

long long pu_json_int(const char *json, const char *key)
{
    const char *v = json ? find_key(json, key) : NULL;
    if (!v || *v < '0' || *v > '9')
        return -1;
    return strtoll(v, NULL, 10);
}

bool pu_testing_ref(void)
{
    return proc_is_ref(proc_our_bin());
}
