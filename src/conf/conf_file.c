/* Reading configuration files, with Go's os.ReadFile error texts ("open x: no such file or
 * directory", "read x: is a directory"). Kept apart from conf.c so that tests/fuzz/fuzz_conf.c
 * can link its own conf_read_file (an in-memory file system) instead. Files are capped at
 * CONF_MAX_FILE_SIZE bytes. */
#include "conf/conf.h"
#include "conf/conf_priv.h"

#include "core/xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The text Go's syscall.Errno.Error() gives: strerror with a lower-case first letter. */
static char *errno_text(int e)
{
    char *s = xstrdup(strerror(e));

    if (s[0] >= 'A' && s[0] <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z'))
        s[0] = (char)(s[0] - 'A' + 'a');
    return s;
}

int conf_read_file(const char *path, char **buf, size_t *len, char **why)
{
    struct stat st;
    char *data = NULL, *et;
    size_t n = 0, cap = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        et = errno_text(errno);
        *why = conf_strfmt("open %s: %s", path, et);
        free(et);
        return -1;
    }
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        *why = conf_strfmt("read %s: is a directory", path);
        return -1;
    }
    for (;;) {
        ssize_t r;

        if (n + 1 >= cap) {
            cap = cap ? cap * 2 : 4096;
            data = xrealloc(data, cap);
        }
        r = read(fd, data + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            et = errno_text(errno);
            *why = conf_strfmt("read %s: %s", path, et);
            free(et);
            goto fail;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > CONF_MAX_FILE_SIZE) {
            *why = conf_strfmt("read %s: file larger than %d bytes", path, CONF_MAX_FILE_SIZE);
            goto fail;
        }
    }
    close(fd);
    data[n] = '\0';
    *buf = data;
    *len = n;
    return 0;
fail:
    close(fd);
    free(data);
    return -1;
}
