/* `nats pub` (natscli v0.0.35 cli/pub_command.go publish): publishes one or --count
 * templated messages with optional headers and reply subject. For --count > 20 natscli draws
 * a progress bar ("  37 / 1000 [===>-----]    1s"): redrawn in place every 100 ms when stdout
 * is a terminal, otherwise reduced to one final "N / N" line. Deviation: an absent body is
 * read from stdin also when stdin is not a terminal (natscli only checks stdout). */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/xmalloc.h"

/* natscli's progressWidth(): the terminal width minus 30, at least 10 (80 if unknown). */
static int progress_width(void)
{
    struct winsize ws;
    int w = 80;

    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        w = ws.ws_col;
    return w - 30 <= 10 ? 10 : w - 30;
}

/* One uiprogress bar line: "<i padded> / <n> [===>---] <elapsed padded to 5>". */
static void draw_progress(struct cli *cli, int64_t i, int64_t n, int64_t start_ms)
{
    int width = progress_width(), done = n > 0 ? (int)(i * width / n) : width;
    char bar[512], el[32];
    int64_t secs = (clock_mono_ms() - start_ms) / 1000;

    if (width > (int)sizeof(bar) - 1)
        width = (int)sizeof(bar) - 1;
    for (int k = 0; k < width; k++)
        bar[k] = k < done ? '=' : '-';
    if (done > 0 && done < width)
        bar[done - 1] = '>';
    bar[0] = '[';
    bar[width - 1] = ']';
    bar[width] = '\0';
    snprintf(el, sizeof(el), "%llds", (long long)secs);
    fprintf(cli->out, "\r%*lld / %lld %s %5s\033[K", (int)snprintf(NULL, 0, "%lld", (long long)n),
            (long long)i, (long long)n, bar, el);
    fflush(cli->out);
}

/* Reads all of stdin into a malloc'd NUL-terminated buffer. */
static char *read_stdin(size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = xmalloc(cap);
    size_t r;

    while ((r = fread(buf + n, 1, cap - n - 1, stdin)) > 0) {
        n += r;
        if (cap - n < 2) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int cmd_pub(struct cli *cli, int argc, char **argv)
{
    char *reply = NULL, **pos = NULL, *body = NULL, *q;
    struct cli_strings hdrs = {0};
    int64_t count = 1, sleep_ms = 0;
    bool force_stdin = false;
    int npos = 0, rc;
    natsConnection *nc = NULL;
    const struct cli_flag flags[] = {
        {"reply", 0, CLI_STRING, &reply, "Sets a custom reply to subject", "REPLY"},
        {"header", 'H', CLI_STRINGS, &hdrs, "Adds headers to the message", "HEADER"},
        {"count", 0, CLI_INT, &count, "Publish multiple messages", "COUNT"},
        {"sleep", 0, CLI_DURATION, &sleep_ms,
         "When publishing multiple messages, sleep between publishes", "SLEEP"},
        {"force-stdin", 0, CLI_BOOL, &force_stdin, "Force reading from stdin", NULL},
        {NULL, 0, CLI_BOOL, NULL, NULL, NULL},
    };

    if (cli_command_start(cli, "publish [<flags>] <subject> [<body>]", flags, argc, argv, 1, 2, "subject", &pos,
                          &npos, &nc, &rc) != 0)
        goto out;
    if (count < 1)
        count = 32767; /* math.MaxInt16, as natscli */
    if (npos == 2) {
        body = xstrdup(pos[1]);
    } else if (force_stdin || isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
        size_t n;
        cli_logf(cli, "Reading payload from STDIN");
        body = read_stdin(&n);
    } else {
        body = xstrdup("!nil!");
    }

    q = cli_go_quote(pos[0]);
    bool tty_bar = count > 20 && isatty(fileno(cli->out));
    int64_t start_ms = clock_mono_ms(), drawn_ms = 0;
    if (count > 20)
        fputc('\n', cli->out);
    for (int i = 1; i <= count && !cli_interrupted(); i++) {
        size_t len;
        char *data = cli_render_template(body, i, NULL, &len);
        natsMsg *m = NULL;
        natsStatus s = natsMsg_Create(&m, pos[0], reply, data, (int)len);

        if (s == NATS_OK && cli_add_headers(cli, m, &hdrs, i) != 0) {
            natsMsg_Destroy(m);
            free(data);
            rc = 1;
            break;
        }
        if (s == NATS_OK)
            s = natsConnection_PublishMsg(nc, m);
        if (s == NATS_OK)
            s = natsConnection_Flush(nc);
        natsMsg_Destroy(m);
        free(data);
        if (s != NATS_OK) {
            rc = cli_errorf(cli, "nats: %s", natsStatus_GetText(s));
            break;
        }
        if (count > 1 && sleep_ms > 0)
            nats_Sleep(sleep_ms);
        if (count <= 20) {
            cli_logf(cli, "Published %zu bytes to %s", len, q);
        } else if (tty_bar) {
            int64_t now = clock_mono_ms();
            if (i == count || now - drawn_ms >= 100) { /* uiprogress.RefreshInterval */
                draw_progress(cli, i, count, start_ms);
                drawn_ms = now;
            }
            if (i == count)
                fputs("\n\n", cli->out);
        } else if (i == count)
            fprintf(cli->out, "%*d / %lld\n\n", (int)snprintf(NULL, 0, "%lld", (long long)count),
                    i, (long long)count);
    }
    free(q);
out:
    if (nc)
        natsConnection_Destroy(nc);
    free(reply);
    free(body);
    cli_strings_free(&hdrs);
    free(pos);
    return rc;
}
