/* Raw TCP client for protocol tests: connect, send exact bytes, read with timeouts.
 * Received bytes accumulate in a growable buffer (up to WIRE_MAX_BUF) until a reader
 * consumes them. Every wire still open when a test ends is closed by a cleanup hook, so a
 * failed ASSERT leaks nothing. The WIRE_* macros fail the test with both sides escaped. */
#ifndef NS_TEST_WIRE_H
#define NS_TEST_WIRE_H

#include <stdbool.h>
#include <stddef.h>

/* How long a test waits for data it expects (generous: the machine is shared). */
#define WIRE_TIMEOUT_MS 2000
/* How long "nothing more arrives" is watched. */
#define WIRE_QUIET_MS 200
/* Largest amount of unread data a wire buffers. */
#define WIRE_MAX_BUF (64u << 20)

struct wire {
    int fd;
    char *buf; /* unread bytes received so far (not NUL-terminated) */
    size_t len;
    size_t cap;
    bool closed; /* the server closed the connection (EOF or reset) */
};

/* Connects to 127.0.0.1:port with TCP_NODELAY. Returns a new wire (caller frees with
 * wire_close, or leaves it to the end-of-test cleanup) or NULL. */
struct wire *wire_connect(int port);
void wire_close(struct wire *w);
/* Sends all of s (strlen) / n bytes / a formatted string. Returns 0 or -1. */
int wire_send(struct wire *w, const char *s);
int wire_sendn(struct wire *w, const void *p, size_t n);
int wire_sendf(struct wire *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reads until at least n bytes are buffered, EOF, or timeout. Returns buffered length. */
size_t wire_fill(struct wire *w, size_t n, int timeout_ms);
/* Reads one line (through "\r\n" or "\n") into a malloc'd string without the line end, or
 * NULL on timeout/EOF. Consumes it from the buffer. */
char *wire_line(struct wire *w, int timeout_ms);
/* Reads the INFO line the server sends on connect; returns its JSON (malloc'd, without
 * "INFO " and the line end, so it keeps the trailing space) or NULL. */
char *wire_info(struct wire *w, int timeout_ms);
/* Collects everything that arrives within quiet_ms of silence (or until EOF), consumes it
 * and returns it as a malloc'd NUL-terminated string. */
char *wire_drain(struct wire *w, int quiet_ms);
/* Reads until needle has arrived; returns everything up to and including it (malloc'd,
 * consumed), or NULL on timeout/EOF (the buffer is left as it is). */
char *wire_until(struct wire *w, const char *needle, int timeout_ms);
/* Waits until the server closes the connection; true if it did within timeout_ms. Bytes
 * that arrive before the close are discarded. */
bool wire_wait_closed(struct wire *w, int timeout_ms);

/* Reads exactly strlen(expect) bytes and compares them. */
#define WIRE_EXPECT(w, expect) wire_expect_at(__FILE__, __LINE__, (w), (expect), WIRE_TIMEOUT_MS)
void wire_expect_at(const char *file, int line, struct wire *w, const char *expect, int timeout_ms);
/* Same for n bytes that may hold NULs. */
#define WIRE_EXPECTN(w, p, n) wire_expectn_at(__FILE__, __LINE__, (w), (p), (n), WIRE_TIMEOUT_MS)
void wire_expectn_at(const char *file, int line, struct wire *w, const void *expect, size_t n,
                     int timeout_ms);
/* Like wire_until, but fails the test on timeout; returns the malloc'd text. */
#define WIRE_UNTIL(w, needle) wire_until_at(__FILE__, __LINE__, (w), (needle), WIRE_TIMEOUT_MS)
char *wire_until_at(const char *file, int line, struct wire *w, const char *needle, int timeout_ms);
/* Fails if anything is buffered or arrives within quiet_ms, or if the connection closes. */
#define WIRE_EXPECT_QUIET(w) wire_expect_quiet_at(__FILE__, __LINE__, (w), WIRE_QUIET_MS)
void wire_expect_quiet_at(const char *file, int line, struct wire *w, int quiet_ms);
/* Fails unless the server closes the connection within timeout_ms without sending any
 * further byte (what is already buffered counts too). */
#define WIRE_EXPECT_CLOSED(w) wire_expect_closed_at(__FILE__, __LINE__, (w), WIRE_TIMEOUT_MS)
void wire_expect_closed_at(const char *file, int line, struct wire *w, int timeout_ms);
/* Sends PING and expects exactly "PONG\r\n" next: proves the connection is open and that
 * everything sent before was processed. */
#define WIRE_PING_PONG(w) wire_ping_pong_at(__FILE__, __LINE__, (w))
void wire_ping_pong_at(const char *file, int line, struct wire *w);

/* Escapes bytes for printing (\r \n \t \xNN); returns a static buffer (not thread-safe),
 * cut at about 8 KiB. */
const char *wire_escape(const char *p, size_t n);
/* Milliseconds on the monotonic clock. */
long long wire_now_ms(void);
/* Sleeps ms milliseconds. */
void wire_sleep_ms(int ms);

#endif
