/* The "/" index page (the reference's links, natrium's own markup, no external URLs). The
 * links carry the base path, so they work from "<base>" and "<base>/" alike. */
#include "monitor/mon_priv.h"

#include "core/xmalloc.h"
#include "server/server.h"

#include <string.h>

static const char index_html[] =
    "<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>natrium monitoring</title>\n"
    "<style type=\"text/css\">\n"
    "body { font-family: ui-sans-serif,system-ui,sans-serif; margin-left: 32px }\n"
    "a { display:block; margin-left: 7px; padding-bottom: 6px; color: rgb(72 72 92);"
    " text-decoration: none }\n"
    "a:hover { font-weight: 600; color: rgb(59 50 202) }\n"
    "a.last { padding-bottom: 16px }\n"
    "</style>\n</head>\n<body>\n"
    "<h1>natrium</h1>\n"
    "<p>nats-server v" NATS_VERSION " compatible (natrium " NATRIUM_VERSION ")</p>\n"
    "<br/>\n"
    "<a href=@/varz>General</a>\n"
    "<a href=@/jsz>JetStream</a>\n"
    "<a href=@/connz>Connections</a>\n"
    "<a href=@/accountz>Accounts</a>\n"
    "<a href=@/accstatz>Account Stats</a>\n"
    "<a href=@/subsz>Subscriptions</a>\n"
    "<a href=@/routez>Routes</a>\n"
    "<a href=@/leafz>LeafNodes</a>\n"
    "<a href=@/gatewayz>Gateways</a>\n"
    "<a href=@/healthz class=last>Health Probe</a>\n"
    "<a href=@/metrics>Prometheus metrics</a>\n"
    "<a href=@/dashboard class=last>Live dashboard</a>\n"
    "</body>\n</html>\n";

char *mon_index_html(const char *base)
{
    size_t bl = strlen(base), n = 0, cap = sizeof(index_html) + 16 * bl;
    char *out = xmalloc(cap);
    for (const char *p = index_html; *p; p++) {
        if (*p == '@') { /* the base-path marker in the links */
            memcpy(out + n, base, bl);
            n += bl;
        } else {
            out[n++] = *p;
        }
    }
    out[n] = '\0';
    return out;
}
