/* TLS options: the tls_opts helpers and the flags-over-config step (mirrors the end of the
 * reference's ConfigureOptions and overrideTLS). */
#include "server/opts.h"

#include "core/xmalloc.h"
#include "server/tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define E_NEED_CERT "TLS Server certificate must be present and valid"
#define E_NEED_KEY "TLS Server private key must be present and valid"

void tls_opts_release(struct tls_opts *t)
{
    free(t->cert_file);
    free(t->key_file);
    free(t->ca_file);
    for (int i = 0; i < t->npinned; i++)
        free(t->pinned[i]);
    memset(t, 0, sizeof(*t));
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void tls_opts_copy(struct tls_opts *dst, const struct tls_opts *src)
{
    tls_opts_release(dst);
    *dst = *src;
    dst->cert_file = dup_or_null(src->cert_file);
    dst->key_file = dup_or_null(src->key_file);
    dst->ca_file = dup_or_null(src->ca_file);
    for (int i = 0; i < src->npinned; i++)
        dst->pinned[i] = xstrdup(src->pinned[i]);
}

int opts_resolve_tls(struct options *o, char *err, size_t errlen)
{
    if (o->tls_flags_disabled) {
        tls_opts_release(&o->tlsc);
        return 0;
    }
    if (o->tls_flags_override) {
        int64_t timeout = o->tlsc.timeout_ms;
        if (!o->tls_cert || !*o->tls_cert) {
            snprintf(err, errlen, "%s", E_NEED_CERT);
            return -1;
        }
        if (!o->tls_key || !*o->tls_key) {
            snprintf(err, errlen, "%s", E_NEED_KEY);
            return -1;
        }
        tls_opts_release(&o->tlsc);
        o->tlsc.enabled = true;
        o->tlsc.cert_file = xstrdup(o->tls_cert);
        o->tlsc.key_file = xstrdup(o->tls_key);
        o->tlsc.ca_file = dup_or_null(o->tls_ca_cert && *o->tls_ca_cert ? o->tls_ca_cert : NULL);
        o->tlsc.verify = o->tls_verify;
        o->tlsc.timeout_ms = timeout;
        return tls_opts_check(&o->tlsc, err, errlen);
    }
    return 0;
}
