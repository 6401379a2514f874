/* libFuzzer target for the configuration parser and the options loader (reliability.md A3):
 * the input is a config file named "fuzz/main.conf"; include paths resolve in a small
 * in-memory file system (this file's conf_read_file replaces src/conf/conf_file.c), so the
 * fuzzer reaches includes, cycles and include errors without touching the disk. Inputs that
 * parse are applied to a fresh struct options, in -t mode and in normal mode.
 * Build and run (from the repository root):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -D_GNU_SOURCE \
 *     -I src tests/fuzz/fuzz_conf.c src/conf/conf.c src/conf/conf_parse.c src/core/xmalloc.c \
 *     src/core/units.c src/server/opts_conf.c src/server/opts.c src/server/signal_cmd.c \
 *     -o build-conf/fuzz_conf
 *   build-conf/fuzz_conf -max_total_time=30 -timeout=5 tests/fuzz/corpus/conf */
#include "conf/conf.h"
#include "conf/conf_priv.h"
#include "server/opts_conf.h"

#include "core/xmalloc.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The in-memory files: the input itself is "fuzz/main.conf". */
static const uint8_t *cur_data;
static size_t cur_size;

static const struct {
    const char *path;
    const char *text;
} files[] = {
    {"fuzz/a.conf", "port: 4222\ndebug: true\n"},
    {"fuzz/sub/b.conf", "authorization { user: u, pass: p }\nx = [1, 2k, \"s\"]\n"},
    {"fuzz/sub/cycle.conf", "include ../main.conf\n"},
    {"fuzz/bad.conf", "a = [\n"},
    {"fuzz/vars.conf", "v = 1\nw = $v\n"},
};

int conf_read_file(const char *path, char **buf, size_t *len, char **why)
{
    if (strcmp(path, "fuzz/main.conf") == 0) {
        *buf = xmalloc(cur_size + 1);
        memcpy(*buf, cur_data, cur_size);
        (*buf)[cur_size] = '\0';
        *len = cur_size;
        return 0;
    }
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        if (strcmp(path, files[i].path) == 0) {
            *len = strlen(files[i].text);
            *buf = xstrdup(files[i].text);
            return 0;
        }
    }
    *why = conf_strfmt("open %s: no such file or directory", path);
    return -1;
}

static void ignore_warning(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    struct options o;

    if (size > 64 * 1024)
        return 0;
    cur_data = data;
    cur_size = size;
    for (int check = 0; check < 2; check++) {
        err[0] = '\0';
        opts_init(&o);
        o.check_config = check;
        (void)opts_load_config(&o, "fuzz/main.conf", ignore_warning, NULL, err, sizeof(err));
        opts_release(&o);
        if (strncmp(err, "Parse error", 11) == 0)
            break; /* the second pass would only repeat the parse */
    }
    return 0;
}
