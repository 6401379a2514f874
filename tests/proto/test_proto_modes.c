/* Raw-protocol tests, connection modes: headers (HPUB/HMSG, and the header stripped for a
 * client without headers), no_responders, echo, verbose and pedantic, each byte for byte
 * as nats-server 2.9.10 sends them (shared/reference-behaviour.md 1.3, 1.7, 1.9). */
#include "proto_util.h"

#include <stdlib.h>

/* "NATS/1.0\r\nA: b\r\n\r\n" is 18 header bytes; with "hi" 20 in all. */
#define HDR "NATS/1.0\r\nA: b\r\n\r\n"

TEST(hpub_delivered_as_hmsg_to_headers_client)
{
    struct server_proc sp = {0};
    struct wire *sub, *pub;

    PU_START(&sp, NULL);
    sub = PU_CLIENT(sp.port, PU_QUIET_HDRS);
    pub = PU_CLIENT(sp.port, PU_QUIET_HDRS);
    wire_send(sub, "SUB foo 1\r\nPING\r\n");
    WIRE_EXPECT(sub, "PONG\r\n");
    wire_send(pub, "HPUB foo 18 20\r\n" HDR "hi\r\n"
                   "HPUB foo reply 18 20\r\n" HDR "hi\r\n"
                   "HPUB foo 12 12\r\nNATS/1.0\r\n\r\n\r\n"
                   "PUB foo 2\r\nno\r\nPING\r\n");
    WIRE_EXPECT(pub, "PONG\r\n");
    wire_send(sub, "PING\r\n");
    WIRE_EXPECT(sub, "HMSG foo 1 18 20\r\n" HDR "hi\r\n"
                     "HMSG foo 1 reply 18 20\r\n" HDR "hi\r\n"
                     "HMSG foo 1 12 12\r\nNATS/1.0\r\n\r\n\r\n"
                     "MSG foo 1 2\r\nno\r\n"
                     "PONG\r\n");
}

TEST(hpub_to_client_without_headers_becomes_msg)
{
    struct server_proc sp = {0};
    struct wire *sub, *pub;

    PU_START(&sp, NULL);
    sub = PU_CLIENT(sp.port, PU_QUIET); /* no "headers" in CONNECT */
    pub = PU_CLIENT(sp.port, PU_QUIET_HDRS);
    wire_send(sub, "SUB foo 1\r\nPING\r\n");
    WIRE_EXPECT(sub, "PONG\r\n");
    wire_send(pub, "HPUB foo 18 20\r\n" HDR "hi\r\n"
                   "HPUB foo reply 18 20\r\n" HDR "hi\r\n"
                   "HPUB foo 12 12\r\nNATS/1.0\r\n\r\n\r\nPING\r\n");
    WIRE_EXPECT(pub, "PONG\r\n");
    wire_send(sub, "PING\r\n");
    WIRE_EXPECT(sub, "MSG foo 1 2\r\nhi\r\n"
                     "MSG foo 1 reply 2\r\nhi\r\n"
                     "MSG foo 1 0\r\n\r\n"
                     "PONG\r\n");
}

TEST(hpub_header_sizes_are_not_validated)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CLIENT(sp.port, PU_QUIET_HDRS);
    /* a zero header length is a plain message; a "header" that is not NATS/1.0 passes */
    wire_send(w, "SUB foo 1\r\nHPUB foo 0 2\r\nhi\r\nHPUB foo 2 2\r\nhi\r\nPING\r\n");
    WIRE_EXPECT(w, "MSG foo 1 2\r\nhi\r\nHMSG foo 1 2 2\r\nhi\r\nPONG\r\n");
}

TEST(hpub_verbose_gets_ok)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CONNECT(sp.port);
    wire_send(w, "CONNECT {\"headers\":true}\r\nSUB foo 1\r\nHPUB foo 12 14\r\nNATS/1.0\r\n\r\n"
                 "hi\r\nPING\r\n");
    WIRE_EXPECT(w, "+OK\r\n+OK\r\n+OK\r\nHMSG foo 1 12 14\r\nNATS/1.0\r\n\r\nhi\r\nPONG\r\n");
}

TEST(no_responders_status_503)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CLIENT(sp.port, "{\"verbose\":false,\"headers\":true,\"no_responders\":true}");
    wire_send(w, "SUB _INBOX.r1 7\r\nPUB nobody.home _INBOX.r1 2\r\nhi\r\nPING\r\n");
    WIRE_EXPECT(w, "HMSG _INBOX.r1 7 16 16\r\nNATS/1.0 503\r\n\r\n\r\nPONG\r\n");
    /* HPUB with a reply too; a publish without a reply gets nothing */
    wire_send(w, "HPUB nobody.home _INBOX.r1 12 14\r\nNATS/1.0\r\n\r\nhi\r\n"
                 "PUB nobody.home 2\r\nhi\r\nPING\r\n");
    WIRE_EXPECT(w, "HMSG _INBOX.r1 7 16 16\r\nNATS/1.0 503\r\n\r\n\r\nPONG\r\n");
    WIRE_EXPECT_QUIET(w);
}

TEST(no_responders_not_sent_when_someone_listens)
{
    struct server_proc sp = {0};
    struct wire *req, *rep;

    PU_START(&sp, NULL);
    rep = PU_CLIENT(sp.port, PU_QUIET);
    wire_send(rep, "SUB svc 1\r\nPING\r\n");
    WIRE_EXPECT(rep, "PONG\r\n");
    req = PU_CLIENT(sp.port, "{\"verbose\":false,\"headers\":true,\"no_responders\":true}");
    wire_send(req, "SUB _INBOX.r1 7\r\nPUB svc _INBOX.r1 2\r\nhi\r\nPING\r\n");
    WIRE_EXPECT(req, "PONG\r\n");
    wire_send(rep, "PING\r\n");
    WIRE_EXPECT(rep, "MSG svc 1 _INBOX.r1 2\r\nhi\r\nPONG\r\n");
    wire_send(rep, "PUB _INBOX.r1 3\r\nyes\r\nPING\r\n");
    WIRE_EXPECT(rep, "PONG\r\n");
    wire_send(req, "PING\r\n");
    WIRE_EXPECT(req, "MSG _INBOX.r1 7 3\r\nyes\r\nPONG\r\n");
}

TEST(no_responders_off_by_default)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CLIENT(sp.port, PU_QUIET_HDRS);
    wire_send(w, "SUB _INBOX.r1 7\r\nPUB nobody.home _INBOX.r1 2\r\nhi\r\nPING\r\n");
    WIRE_EXPECT(w, "PONG\r\n");
    WIRE_EXPECT_QUIET(w);
}

TEST(echo_false_skips_own_messages)
{
    struct server_proc sp = {0};
    struct wire *self, *other;

    PU_START(&sp, NULL);
    self = PU_CLIENT(sp.port, "{\"verbose\":false,\"echo\":false}");
    other = PU_CLIENT(sp.port, PU_QUIET);
    wire_send(self, "SUB foo 1\r\nPUB foo 4\r\nmine\r\nPING\r\n");
    WIRE_EXPECT(self, "PONG\r\n");
    wire_send(other, "PUB foo 6\r\ntheirs\r\nPING\r\n");
    WIRE_EXPECT(other, "PONG\r\n");
    wire_send(self, "PING\r\n");
    WIRE_EXPECT(self, "MSG foo 1 6\r\ntheirs\r\nPONG\r\n");
}

TEST(echo_true_by_default)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CLIENT(sp.port, PU_QUIET);
    wire_send(w, "SUB foo 1\r\nPUB foo 4\r\nmine\r\nPING\r\n");
    WIRE_EXPECT(w, "MSG foo 1 4\r\nmine\r\nPONG\r\n");
}

TEST(pedantic_bad_publish_subject_err_then_ok_then_delivery)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CONNECT(sp.port);
    wire_send(w, "CONNECT {\"verbose\":true,\"pedantic\":true}\r\nSUB foo.* 1\r\n"
                 "PUB foo.* 1\r\na\r\nPING\r\n");
    WIRE_EXPECT(w, "+OK\r\n+OK\r\n-ERR 'Invalid Publish Subject'\r\n+OK\r\nMSG foo.* 1 1\r\na\r\n"
                   "PONG\r\n");
    /* every kind of non-literal subject; the connection stays open */
    wire_send(w, "PUB bar.> 1\r\nx\r\nPUB foo..bar 1\r\nx\r\nPUB .foo 1\r\nx\r\n"
                 "PUB foo. 1\r\nx\r\nPING\r\n");
    WIRE_EXPECT(w,
                "-ERR 'Invalid Publish Subject'\r\n+OK\r\n-ERR 'Invalid Publish Subject'\r\n+OK\r\n"
                "-ERR 'Invalid Publish Subject'\r\n+OK\r\n-ERR 'Invalid Publish Subject'\r\n+OK\r\n"
                "PONG\r\n");
    WIRE_EXPECT_QUIET(w);
}

TEST(pedantic_on_by_default)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CLIENT(sp.port, "{\"verbose\":false}");
    wire_send(w, "SUB foo.> 1\r\nPUB foo.*.bar 1\r\na\r\nPING\r\n");
    WIRE_EXPECT(w, "-ERR 'Invalid Publish Subject'\r\nMSG foo.*.bar 1 1\r\na\r\nPONG\r\n");
}

TEST(pedantic_off_publishes_wildcards_silently)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CLIENT(sp.port, PU_QUIET);
    wire_send(w, "SUB > 1\r\nPUB foo.* 1\r\na\r\nPUB foo..bar 1\r\nb\r\nPUB .foo 1\r\nc\r\n"
                 "PUB foo. 1\r\nd\r\nPING\r\n");
    /* a subject with an empty token matches nothing, not even ">" */
    WIRE_EXPECT(w, "MSG foo.* 1 1\r\na\r\nPONG\r\n");
    /* verbose without pedantic: just +OK */
    w = PU_CONNECT(sp.port);
    wire_send(w, "CONNECT {\"verbose\":true,\"pedantic\":false}\r\nPUB foo.* 1\r\na\r\nPING\r\n");
    WIRE_EXPECT(w, "+OK\r\n+OK\r\nPONG\r\n");
}

TEST(verbose_can_be_switched_by_a_second_connect)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CONNECT(sp.port);
    wire_send(w, "CONNECT {}\r\nSUB foo 1\r\nCONNECT {\"verbose\":false}\r\nSUB bar 2\r\n"
                 "PING\r\n");
    WIRE_EXPECT(w, "+OK\r\n+OK\r\nPONG\r\n");
}
