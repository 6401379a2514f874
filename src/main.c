/* nats-server entry point: flags -> config file -> server, then signals on the main thread
 * (mirrors main.go and server/signal.go). No code runs in a signal handler: the signals are
 * blocked in every thread and taken here with sigwait. */
#include "server/opts.h"
#include "server/server.h"

#include "server/opts_conf.h"
#include "server/reload.h"

#include "monitor/monitor.h"
#include "monitor/sysreq.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* server_start's before_listen hook: the monitoring port opens before the client port, as
 * the reference's does, so it is up once clients can connect. */
struct services {
    struct monitor *mon;
    struct sysreq *sys;
};

/* Before the client port opens: the HTTP(S) monitor's port (where the reference opens it) and
 * the system account's request subscriptions, so the first client finds them. */
static int open_services(struct server *s, void *arg)
{
    struct services *sv = arg;
    if (s->opts.http_port != 0 || s->opts.https_port != 0) {
        sv->mon = monitor_open(s);
        if (!sv->mon)
            return -1;
    }
    sv->sys = sysreq_start(s, sv->mon);
    return 0;
}

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
    struct services sv = {0};
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
    s->before_listen = open_services;
    s->before_listen_arg = &sv;
    if (server_start(s) != 0 || (sv.mon && monitor_run(sv.mon) != 0)) {
        sysreq_stop(sv.sys);
        monitor_stop(sv.mon);
        server_shutdown(s);
        sysreq_free(sv.sys);
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
            server_reload(s, argc, argv);
        } else if (sig == SIGUSR2) {
            sigset_t ldm_set = set;
            sigdelset(&ldm_set, SIGTERM); /* ignored in lame duck mode, as the reference */
            server_lame_duck(s, &ldm_set);
            code = 0;
            break;
        }
    }
    sysreq_stop(sv.sys); /* before the monitor and the loops go: it uses both */
    monitor_stop(sv.mon); /* before the loops go: it asks them for snapshots */
    server_shutdown(s);
    sysreq_free(sv.sys);
    server_free(s);
    return code;
}
