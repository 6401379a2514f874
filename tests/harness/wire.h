/* Raw TCP client for protocol tests: connect, send exact bytes, read with timeouts. */
#ifndef NS_TEST_WIRE_H
#define NS_TEST_WIRE_H

#include <stdbool.h>
#include <stddef.h>

struct wire {
    int fd;
    char buf[1 << 20]; /* unread bytes received so far */
    size_t len;
    bool closed; /* the server closed the connection (EOF or reset) */
};

/* Connects to 127.0.0.1:port. Returns a new wire (caller frees with wire_close) or NULL. */
struct wire *wire_connect(int port);
void wire_close(struct wire *w);
/* Sends all of s (strlen) / n bytes. Returns 0 or -1. */
int wire_send(struct wire *w, const char *s);
int wire_sendn(struct wire *w, const void *p, size_t n);
/* Reads until at least n bytes are buffered, EOF, or timeout. Returns buffered length. */
size_t wire_fill(struct wire *w, size_t n, int timeout_ms);
/* Reads one line (through "\r\n" or "\n") into a malloc'd string without the line end, or
 * NULL on timeout/EOF. Consumes it from the buffer. */
char *wire_line(struct wire *w, int timeout_ms);
/* Skips the INFO line the server sends on connect; returns its JSON (malloc'd) or NULL. */
char *wire_info(struct wire *w, int timeout_ms);
/* Collects everything that arrives within quiet_ms of silence (or until EOF), consumes it
 * and returns it as a malloc'd NUL-terminated string. */
char *wire_drain(struct wire *w, int quiet_ms);
/* Waits until the server closes the connection; true if it did within timeout_ms. */
bool wire_wait_closed(struct wire *w, int timeout_ms);
/* Reads exactly strlen(expect) bytes and compares them; on mismatch fails the test with both
 * strings escaped. */
#define WIRE_EXPECT(w, expect) wire_expect_at(__FILE__, __LINE__, (w), (expect), 2000)
void wire_expect_at(const char *file, int line, struct wire *w, const char *expect, int timeout_ms);
/* Escapes bytes for printing (\r \n \xNN); returns a static buffer (not thread-safe). */
const char *wire_escape(const char *p, size_t n);

#endif
