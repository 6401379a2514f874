/* Raw-protocol tests, framing across reads: one fixed pipelined script (CONNECT, SUB, PUB
 * with payload, HPUB, UNSUB, PING) cut in two at every byte position, and sent byte by
 * byte, must give the same bytes back as when sent whole; large payloads in odd chunks;
 * 10,000 PUBs in one write arrive complete and in order. Writes are separated by TCP_NODELAY
 * and a short pause so the server sees them as separate reads (most of the time). */
#include "proto_util.h"

#include <stdio.h>
#include <stdlib.h>

#define HDR "NATS/1.0\r\nA: b\r\n\r\n" /* 18 bytes */

static const char script[] = "CONNECT {\"verbose\":true,\"pedantic\":true,\"headers\":true}\r\n"
                             "SUB foo 1\r\n"
                             "SUB\tbar q 2\n"
                             "PUB foo reply 5\r\nhello\r\n"
                             "HPUB bar 18 23\r\n" HDR "world\r\n"
                             "PUB foo 0\r\n\r\n"
                             "UNSUB 1\r\n"
                             "PUB foo 2\r\nno\r\n"
                             "ping\r\n";

static const char expected[] = "+OK\r\n"
                               "+OK\r\n"
                               "+OK\r\n"
                               "+OK\r\nMSG foo 1 reply 5\r\nhello\r\n"
                               "+OK\r\nHMSG bar 2 18 23\r\n" HDR "world\r\n"
                               "+OK\r\nMSG foo 1 0\r\n\r\n"
                               "+OK\r\n"
                               "+OK\r\n"
                               "PONG\r\n";

TEST(script_whole)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CONNECT(sp.port);
    wire_send(w, script);
    WIRE_EXPECT(w, expected);
    WIRE_EXPECT_QUIET(w);
}

TEST(script_split_at_every_byte)
{
    struct server_proc sp = {0};
    const size_t n = sizeof(script) - 1;

    PU_START(&sp, NULL);
    for (size_t cut = 1; cut < n; cut++) {
        struct wire *w = PU_CONNECT(sp.port);
        wire_sendn(w, script, cut);
        wire_sleep_ms(3);
        wire_sendn(w, script + cut, n - cut);
        wire_fill(w, sizeof(expected) - 1, WIRE_TIMEOUT_MS);
        if (w->len != sizeof(expected) - 1 || memcmp(w->buf, expected, w->len) != 0)
            test_fail(__FILE__, __LINE__, "cut at %zu (before \"%s\"): got \"%s\"", cut,
                      script[cut] == '\n'   ? "\\n"
                      : script[cut] == '\r' ? "\\r"
                                            : "...",
                      wire_escape(w->buf, w->len));
        /* leave the queue group before closing: a connection whose close the server has not
         * seen yet would otherwise still be a member for the next cut's HPUB */
        w->len = 0;
        wire_send(w, "UNSUB 2\r\nPING\r\n");
        WIRE_EXPECT(w, "+OK\r\nPONG\r\n");
        wire_close(w);
    }
}

TEST(script_byte_by_byte)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CONNECT(sp.port);
    for (size_t i = 0; i < sizeof(script) - 1; i++) {
        wire_sendn(w, script + i, 1);
        wire_sleep_ms(2);
    }
    WIRE_EXPECT(w, expected);
    WIRE_EXPECT_QUIET(w);
}

/* A 100 KB payload (bigger than any read buffer) sent in uneven chunks, the control line
 * and the final \r\n split too. */
TEST(large_payload_in_uneven_chunks)
{
    enum { SIZE = 100000 };
    static const size_t chunks[] = {1, 7, 3, 4096, 1, 65536, 13, 8191};
    struct server_proc sp = {0};
    struct wire *sub, *pub;
    char *msg = malloc(SIZE + 64), *body;
    size_t len, off = 0;

    PU_START(&sp, NULL);
    sub = PU_CLIENT(sp.port, PU_QUIET);
    wire_send(sub, "SUB big 1\r\nPING\r\n");
    WIRE_EXPECT(sub, "PONG\r\n");
    pub = PU_CLIENT(sp.port, PU_QUIET);
    len = (size_t)sprintf(msg, "PUB big %d\r\n", SIZE);
    body = msg + len;
    for (size_t i = 0; i < SIZE; i++)
        body[i] = (char)('0' + i % 10);
    len += SIZE;
    memcpy(msg + len, "\r\n", 2);
    len += 2;
    for (size_t i = 0; off < len; i = (i + 1) % (sizeof(chunks) / sizeof(chunks[0]))) {
        size_t c = chunks[i] < len - off ? chunks[i] : len - off;
        wire_sendn(pub, msg + off, c);
        off += c;
        wire_sleep_ms(1);
    }
    wire_send(pub, "PING\r\n");
    WIRE_EXPECT(pub, "PONG\r\n");
    WIRE_EXPECT(sub, "MSG big 1 100000\r\n");
    WIRE_EXPECTN(sub, body, SIZE);
    WIRE_EXPECT(sub, "\r\n");
    WIRE_EXPECT_QUIET(sub);
    free(msg);
}

/* Builds n PUBs "PUB <subj> 5\r\n%05d\r\n" in one buffer, and the matching MSGs for sid. */
static void build_pubs(int n, const char *subj, int sid, char **pubs, size_t *plen, char **msgs,
                       size_t *mlen)
{
    size_t pcap = (size_t)n * (strlen(subj) + 20) + 1, mcap = (size_t)n * (strlen(subj) + 30) + 1;
    *pubs = malloc(pcap);
    *msgs = malloc(mcap);
    *plen = *mlen = 0;
    for (int i = 0; i < n; i++) {
        *plen += (size_t)snprintf(*pubs + *plen, pcap - *plen, "PUB %s 5\r\n%05d\r\n", subj, i);
        *mlen +=
            (size_t)snprintf(*msgs + *mlen, mcap - *mlen, "MSG %s %d 5\r\n%05d\r\n", subj, sid, i);
    }
}

TEST(pipelined_10000_pubs_arrive_in_order)
{
    enum { N = 10000 };
    struct server_proc sp = {0};
    struct wire *sub, *pub;
    char *pubs, *msgs;
    size_t plen, mlen;

    PU_START(&sp, NULL);
    sub = PU_CLIENT(sp.port, PU_QUIET);
    wire_send(sub, "SUB seq 3\r\nPING\r\n");
    WIRE_EXPECT(sub, "PONG\r\n");
    pub = PU_CLIENT(sp.port, PU_QUIET);
    build_pubs(N, "seq", 3, &pubs, &plen, &msgs, &mlen);
    ASSERT_OK(wire_sendn(pub, pubs, plen)); /* one write */
    wire_send(pub, "PING\r\n");
    WIRE_EXPECT(pub, "PONG\r\n");
    WIRE_EXPECTN(sub, msgs, mlen);
    WIRE_PING_PONG(sub);
    free(pubs);
    free(msgs);
}

TEST(pipelined_10000_pubs_to_self)
{
    enum { N = 10000 };
    struct server_proc sp = {0};
    struct wire *w;
    char *pubs, *msgs;
    size_t plen, mlen;

    PU_START(&sp, NULL);
    w = PU_CLIENT(sp.port, PU_QUIET);
    build_pubs(N, "me", 1, &pubs, &plen, &msgs, &mlen);
    wire_send(w, "SUB me 1\r\n");
    ASSERT_OK(wire_sendn(w, pubs, plen));
    wire_send(w, "PING\r\n");
    WIRE_EXPECTN(w, msgs, mlen);
    WIRE_EXPECT(w, "PONG\r\n");
    free(pubs);
    free(msgs);
}
