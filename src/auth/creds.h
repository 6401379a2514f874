/* .creds files (mirrors nats-io/jwt creds_utils.go): a user JWT and its nkey seed, each in a
 * block between two dashed lines:
 *   -----BEGIN NATS USER JWT-----
 *   eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ...
 *   ------END NATS USER JWT------
 *   (comment lines)
 *   -----BEGIN USER NKEY SEED-----
 *   SUA...
 *   ------END USER NKEY SEED------
 * A dashed line has a run of 3+ dashes, then anything, then 3+ dashes at the end of the line;
 * the block body is one line of [A-Za-z0-9_.=-]. The first block is the JWT, the second the
 * seed. Without blocks the whole text is the JWT, and the seed is the first line that starts
 * (after blanks) with "SO", "SA" or "SU". */
#ifndef NS_AUTH_CREDS_H
#define NS_AUTH_CREDS_H

#include <stddef.h>

/* Refused before parsing: a creds file is a few KiB. */
#define CREDS_MAX_LEN (1024 * 1024)

struct creds {
    char *jwt;  /* malloc'd, or NULL */
    char *seed; /* malloc'd, or NULL; wiped by creds_release */
};

/* Parses text[0..len). Returns 0 with the parts found (either may be NULL), or -1 if len is
 * over CREDS_MAX_LEN. Nothing is decoded or verified here. */
int creds_parse(const char *text, size_t len, struct creds *out);
/* Frees and wipes the parts; out is zeroed. */
void creds_release(struct creds *c);
/* Formats a creds file for a user JWT and seed, in the layout above (malloc'd). */
char *creds_format(const char *jwt, const char *seed);

#endif
