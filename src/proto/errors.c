/* The tables behind errors.h. */
#include "proto/errors.h"

#define X_TEXT(name, text) [name] = text,
static const char *const err_texts[] = {PROTO_ERR_TEXTS(X_TEXT)};
static const char *const close_texts[] = {CLOSE_REASONS(X_TEXT)};
#undef X_TEXT

const char *proto_err_text(enum proto_err_text e)
{
    return (unsigned)e < ERRT_COUNT ? err_texts[e] : "";
}

const char *close_reason_text(enum close_reason r)
{
    return (unsigned)r < CLOSE_COUNT ? close_texts[r] : "";
}
