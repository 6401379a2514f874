/* Logger in the reference's format: "[pid] 2026/11/22 12:03:44.850173 [INF] message" (no
 * date with logtime off). Each line is one write(2), so threads never interleave within a
 * line. log_reopen (SIGUSR1) swaps the file under the same descriptor with dup2, so no lock
 * is needed. Level checks are plain reads of flags set before the loops start. */
#ifndef NS_CORE_LOG_H
#define NS_CORE_LOG_H

#include <stdbool.h>
#include <stdarg.h>

enum log_level { LOG_FTL, LOG_ERR, LOG_WRN, LOG_INF, LOG_DBG, LOG_TRC };

struct logger {
    int fd;          /* stderr (2) or the log file */
    char *path;      /* log file, or NULL for stderr */
    bool logtime;    /* prefix lines with date and time */
    bool debug;      /* [DBG] lines */
    bool trace;      /* [TRC] lines */
    int pid;
};

/* Sets up logging to path (NULL: stderr). Returns 0 or -1 (errno set) if the file cannot be
 * opened. path is copied. */
int log_init(struct logger *lg, const char *path, bool logtime, bool debug, bool trace);
void log_release(struct logger *lg);
/* Reopens the log file (after rotation). No-op for stderr. Returns 0 or -1. */
int log_reopen(struct logger *lg);
void log_printf(const struct logger *lg, enum log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_vprintf(const struct logger *lg, enum log_level lvl, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#define log_enabled(lg, lvl)                                                                       \
    ((lvl) <= LOG_INF || ((lvl) == LOG_DBG && (lg)->debug) || ((lvl) == LOG_TRC && (lg)->trace))

#endif
