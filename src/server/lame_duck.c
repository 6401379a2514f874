/* Lame duck mode (mirrors lameDuckMode in server/server.go 2.9.10): stop accepting, tell the
 * clients (INFO with "ldm":true, to those that take async INFO: protocol 1 and their first PONG
 * sent), wait the grace period, then close the clients spread over the rest of
 * lame_duck_duration (at most one second apart), and return so the caller shuts down. Runs on
 * the main thread; the loops do the per-connection work through loop tasks (T2). */
#include "server/server.h"

#include "core/clock.h"
#include "server/client.h"
#include "server/info.h"
#include "server/loop.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>

static void notify_task(struct loop *lp, void *arg)
{
    (void)arg;
    for (struct client *c = lp->clients; c; c = c->next) {
        if (c->connected && c->protocol >= 1 && c->pong_sent && !c->closed)
            info_send_ex(c, true);
    }
}

static void close_task(struct loop *lp, void *arg)
{
    uintptr_t n = (uintptr_t)arg;
    struct client *c = lp->clients, *next;

    for (; c && n > 0; c = next) {
        next = c->next;
        if (c->closed)
            continue;
        client_close(c, CLOSE_SHUTDOWN);
        n--;
    }
}

/* Waits up to ms for one of the signals in set; returns it, or 0 on timeout. */
static int wait_signal(const sigset_t *set, int64_t ms)
{
    int64_t end = clock_mono_ms() + ms;
    for (;;) {
        int64_t left = end - clock_mono_ms();
        struct timespec ts;
        int sig;
        if (left <= 0)
            return 0;
        ts.tv_sec = left / 1000;
        ts.tv_nsec = (left % 1000) * 1000000L;
        sig = sigtimedwait(set, NULL, &ts);
        if (sig > 0)
            return sig;
        if (errno == EAGAIN)
            return 0;
    }
}

static void post_all(struct server *s, loop_task_fn *fn, void *arg)
{
    for (int i = 0; i < s->nloops; i++)
        loop_post_task(s->loops[i], fn, arg);
}

int server_lame_duck(struct server *s, const sigset_t *signals)
{
    const struct options *o = &s->opts;
    int64_t grace = o->lame_duck_grace_ms, dur;
    int64_t n, si, batch = 1;
    int sig;

    log_printf(&s->log, LOG_INF, "Entering lame duck mode, stop accepting new clients");
    for (int i = 0; i < s->nloops; i++)
        epoll_ctl(s->loops[i]->epfd, EPOLL_CTL_DEL, s->listen_fd, NULL);
    shutdown(s->listen_fd, SHUT_RDWR); /* new connections are refused; closed at exit */
    n = atomic_load(&s->nconns);
    if (n == 0)
        return 0;
    dur = o->lame_duck_duration_ms - grace;
    if (dur <= 0)
        dur = 1000;
    si = dur / n;
    if (si < 1) {
        si = 1;
        batch = n / dur;
    } else if (si > 1000) {
        si = 1000;
    }
    post_all(s, notify_task, NULL);
    sig = wait_signal(signals, grace);
    if (sig == SIGINT)
        return sig;
    log_printf(&s->log, LOG_INF, "Closing existing clients");
    /* each round closes about a batch, shared over the loops; a pause of si/2 to si between */
    int64_t give_up = clock_mono_ms() + dur + 5000;
    uint64_t rng = (uint64_t)clock_wall_ns() | 1;
    while (atomic_load(&s->nconns) > 0 && clock_mono_ms() < give_up) {
        uintptr_t per_loop = (uintptr_t)((batch + s->nloops - 1) / s->nloops);
        int64_t pause;
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        pause = si / 2 + (int64_t)(rng % (uint64_t)(si / 2 + 1));
        post_all(s, close_task, (void *)(per_loop ? per_loop : 1));
        sig = wait_signal(signals, pause);
        if (sig == SIGINT)
            return sig;
    }
    return 0;
}
