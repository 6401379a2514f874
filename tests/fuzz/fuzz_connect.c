/* libFuzzer target for CONNECT's JSON (src/server/connect.c). Links: ns_server.
 * Oracle: a decode either fails cleanly or yields fields of the right kind; the protocol
 * value is only set when has_protocol is. Nothing may leak (the root is always released). */
#include "server/connect.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct connect_opts co;
    json_t *root = NULL;
    if (connect_decode((const char *)data, size, &co, &root) == 0) {
        if (!root)
            abort();
        if (co.verbose < -1 || co.verbose > 1 || co.headers < -1 || co.headers > 1)
            abort();
        if (!co.has_protocol && co.protocol != 0)
            abort();
        /* strings are NUL-terminated and readable */
        if (co.name)
            (void)strlen(co.name);
        if (co.user)
            (void)strlen(co.user);
        json_decref(root);
    } else if (root) {
        abort();
    }
    return 0;
}
