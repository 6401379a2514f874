/* nats-server entry point: flags -> config file -> server, then signals on the main thread
 * (mirrors main.go and server/signal.go). No code runs in a signal handler: the signals are
 * blocked in every thread and taken here with sigwait. */
#include "server/opts.h"
#include "server/server.h"

#include "server/opts_conf.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Flags are applied over the config file: parse them, load the file named by -c, then parse
 * them again over what it set (the reference's MergeOptions). */
static int load_options(struct options *o, int argc, char **argv, int *code)
{
    opts_init(o);
    if (opts_parse_args(o, argc, argv, code))
        return 1;
    if (o->config_file) {
        char err[4096];
        struct options merged;
        bool check = o->check_config;
        opts_init(&merged);
        merged.check_config = check;
        if (opts_load_config(&merged, o->config_file, NULL, NULL, err, sizeof(err)) != 0) {
            fprintf(stderr, "nats-server: %s\n", err);
            opts_release(&merged);
            *code = 1;
            return 1;
        }
        opts_parse_args(&merged, argc, argv, code);
        opts_release(o);
        *o = merged;
        if (check) {
            fprintf(stderr, "nats-server: configuration file %s is valid\n", o->config_file);
            *code = 0;
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct options o;
    struct server *s;
    const char *unsupported;
    sigset_t set;
    int code = 0, sig;

    if (load_options(&o, argc, argv, &code)) {
        opts_release(&o);
        return code;
    }
    {
        char err[1024];
        if (opts_resolve_tls(&o, err, sizeof(err)) != 0) {
            fprintf(stderr, "nats-server: %s\n", err);
            opts_release(&o);
            return 1;
        }
    }
    unsupported = opts_unsupported(&o);
    if (unsupported) {
        fprintf(stderr, "nats-server: %s\n", unsupported);
        opts_release(&o);
        return 1;
    }

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    s = server_new(&o);
    if (!s)
        return 1;
    if (server_start(s) != 0) {
        server_shutdown(s);
        server_free(s);
        return 1;
    }
    for (;;) {
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == SIGINT || sig == SIGTERM) {
            log_printf(&s->log, LOG_DBG, "Trapped \"%s\" signal",
                       sig == SIGINT ? "interrupt" : "terminated");
            code = sig == SIGINT ? 0 : 1;
            break;
        }
        if (sig == SIGUSR1) {
            server_reopen_log(s);
        } else if (sig == SIGHUP) {
            log_printf(&s->log, LOG_ERR,
                       "Failed to reload server configuration: not supported by natrium yet");
        } else if (sig == SIGUSR2) {
            log_printf(&s->log, LOG_ERR, "Lame duck mode is not supported by natrium yet");
        }
    }
    server_shutdown(s);
    server_free(s);
    return code;
}
