/* CONNECT JSON decoding: see connect.h. */
#include "server/connect.h"

#include <string.h>
#include <strings.h>

/* Reads a JSON bool field the way Go's json.Unmarshal does: null leaves it unset, any other
 * non-bool is an error. */
static int get_bool(json_t *v, int *out)
{
    if (json_is_null(v))
        return 0;
    if (!json_is_boolean(v))
        return -1;
    *out = json_is_true(v);
    return 0;
}

static int get_str(json_t *v, const char **out)
{
    if (json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return -1;
    *out = json_string_value(v);
    return 0;
}

/* Decodes CONNECT's JSON into co. Keys match case-insensitively, as in Go. Returns 0 or -1. */
static int decode_fields(json_t *root, struct connect_opts *co)
{
    const char *key;
    json_t *v;
    if (!json_is_object(root))
        return -1;
    json_object_foreach(root, key, v) {
        int rc = 0;
        if (!strcasecmp(key, "verbose"))
            rc = get_bool(v, &co->verbose);
        else if (!strcasecmp(key, "pedantic"))
            rc = get_bool(v, &co->pedantic);
        else if (!strcasecmp(key, "echo"))
            rc = get_bool(v, &co->echo);
        else if (!strcasecmp(key, "headers"))
            rc = get_bool(v, &co->headers);
        else if (!strcasecmp(key, "no_responders"))
            rc = get_bool(v, &co->no_responders);
        else if (!strcasecmp(key, "tls_required")) {
            int dummy;
            rc = get_bool(v, &dummy);
        } else if (!strcasecmp(key, "user"))
            rc = get_str(v, &co->user);
        else if (!strcasecmp(key, "pass"))
            rc = get_str(v, &co->pass);
        else if (!strcasecmp(key, "auth_token"))
            rc = get_str(v, &co->auth_token);
        else if (!strcasecmp(key, "nkey"))
            rc = get_str(v, &co->nkey);
        else if (!strcasecmp(key, "sig"))
            rc = get_str(v, &co->sig);
        else if (!strcasecmp(key, "jwt"))
            rc = get_str(v, &co->jwt);
        else if (!strcasecmp(key, "name"))
            rc = get_str(v, &co->name);
        else if (!strcasecmp(key, "lang"))
            rc = get_str(v, &co->lang);
        else if (!strcasecmp(key, "version"))
            rc = get_str(v, &co->version);
        else if (!strcasecmp(key, "protocol")) {
            if (json_is_integer(v)) {
                co->protocol = json_integer_value(v);
                co->has_protocol = true;
            } else if (!json_is_null(v)) {
                rc = -1;
            }
        } else if (!strcasecmp(key, "account") || !strcasecmp(key, "new_account")) {
            if (!json_is_null(v))
                co->has_account = true;
        }
        if (rc)
            return -1;
    }
    return 0;
}

int connect_decode(const char *json, size_t len, struct connect_opts *co, json_t **root)
{
    json_error_t jerr;
    memset(co, 0, sizeof(*co));
    co->verbose = co->pedantic = co->echo = co->headers = co->no_responders = -1;
    *root = json_loadb(json, len, 0, &jerr);
    if (!*root)
        return -1;
    if (decode_fields(*root, co) != 0) {
        json_decref(*root);
        *root = NULL;
        return -1;
    }
    return 0;
}
