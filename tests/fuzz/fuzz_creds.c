/* libFuzzer target for .creds parsing (src/auth/creds.c). Links: ns_auth.
 * Oracle: the parts found are substrings of the input (a JWT or seed never invents bytes);
 * a seed has no blanks; formatting the parts and parsing again gives them back when they
 * are block bodies (one line of [A-Za-z0-9_.=-]). Nothing may leak. */
#include "auth/creds.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_body(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-' || *s == '.' || *s == '='))
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct creds c, again;
    char *text;

    if (size > 64 * 1024)
        return 0;
    text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    if (creds_parse(text, size, &c) != 0)
        abort();
    if (!c.jwt)
        abort();
    if (memchr(data, 0, size)) { /* the string checks below need NUL-free text */
        creds_release(&c);
        free(text);
        return 0;
    }
    if (strlen(c.jwt) < size && strlen(c.jwt) > 0 && !strstr(text, c.jwt))
        abort();
    if (c.seed) {
        if (strpbrk(c.seed, " \t\r\n") || !strstr(text, c.seed))
            abort();
    }
    if (is_body(c.jwt) && c.seed && is_body(c.seed)) {
        char *f = creds_format(c.jwt, c.seed);
        if (creds_parse(f, strlen(f), &again) != 0 || strcmp(again.jwt, c.jwt) != 0 ||
            !again.seed || strcmp(again.seed, c.seed) != 0)
            abort();
        creds_release(&again);
        free(f);
    }
    creds_release(&c);
    free(text);
    return 0;
}
