/* The reply subjects a client with allow_responses may publish to (mirrors c.replies in
 * server/client.go): recorded when a message with a reply is delivered to it, used up after
 * max messages or when expired. Not thread-safe: the owning client's mu guards it. */
#ifndef NS_SERVER_REPLIES_H
#define NS_SERVER_REPLIES_H

#include <stdbool.h>
#include <stdint.h>

#define REPLIES_MAX 4096 /* entries kept per client; expired ones are pruned past this */

struct reply_ent;

struct reply_set {
    struct reply_ent **buckets; /* 256 chains, allocated on first use */
    uint32_t n;
};

/* Records subject (len bytes) as answerable from now (monotonic ms). */
void replies_add(struct reply_set *rs, const char *subject, uint32_t len, int64_t now,
                 int64_t expires_ms);
/* pubAllowedFullCheck's reply part: counts one publish to subject; true if it is allowed
 * (recorded, at most max publishes (0: any), not expired). Spent or expired entries go. */
bool replies_use(struct reply_set *rs, const char *subject, uint32_t len, int64_t now,
                 int64_t max, int64_t expires_ms);
void replies_release(struct reply_set *rs);

#endif
