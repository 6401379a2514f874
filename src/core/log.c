/* Logger: see log.h. */
#include "core/log.h"

#include "core/xmalloc.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *const level_tags[] = {
    [LOG_FTL] = "[FTL]", [LOG_ERR] = "[ERR]", [LOG_WRN] = "[WRN]",
    [LOG_INF] = "[INF]", [LOG_DBG] = "[DBG]", [LOG_TRC] = "[TRC]",
};

int log_init(struct logger *lg, const char *path, bool logtime, bool debug, bool trace)
{
    memset(lg, 0, sizeof(*lg));
    lg->fd = 2;
    lg->logtime = logtime;
    lg->debug = debug;
    lg->trace = trace;
    lg->pid = (int)getpid();
    if (path && *path) {
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (fd < 0)
            return -1;
        lg->fd = fd;
        lg->path = xstrdup(path);
    }
    return 0;
}

void log_release(struct logger *lg)
{
    if (lg->path && lg->fd > 2)
        close(lg->fd);
    FREE_AND_NULL(lg->path);
    lg->fd = 2;
}

int log_reopen(struct logger *lg)
{
    int fd;
    if (!lg->path)
        return 0;
    fd = open(lg->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0)
        return -1;
    if (dup2(fd, lg->fd) < 0) {
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

void log_vprintf(const struct logger *lg, enum log_level lvl, const char *fmt, va_list ap)
{
    char buf[8192];
    size_t n;
    int r;

    if (!log_enabled(lg, lvl))
        return;
    if (lg->logtime) {
        struct timeval tv;
        struct tm tm;
        gettimeofday(&tv, NULL);
        localtime_r(&tv.tv_sec, &tm);
        r = snprintf(buf, sizeof(buf), "[%d] %04d/%02d/%02d %02d:%02d:%02d.%06ld %s ", lg->pid,
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, (long)tv.tv_usec, level_tags[lvl]);
    } else {
        r = snprintf(buf, sizeof(buf), "[%d] %s ", lg->pid, level_tags[lvl]);
    }
    n = (size_t)r;
    r = vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
    if (r < 0)
        r = 0;
    n += (size_t)r < sizeof(buf) - n - 1 ? (size_t)r : sizeof(buf) - n - 2;
    buf[n++] = '\n';
    if (write(lg->fd, buf, n) < 0) {
        /* nowhere left to report it */
    }
}

void log_printf(const struct logger *lg, enum log_level lvl, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vprintf(lg, lvl, fmt, ap);
    va_end(ap);
}
