/* Corpus replay for a libFuzzer target, for builds without libFuzzer (gcc, or NS_FUZZ off):
 * runs every file named on the command line, or found directly in a directory named there,
 * through LLVMFuzzerTestOneInput once. A target aborts on a failed oracle, so exit status 0
 * means the whole corpus passed. Registered as the CTest test fuzz_replay.<name>
 * (tests/fuzz/CMakeLists.txt). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    size_t len = 0, cap = 0, n;

    if (!f) {
        perror(path);
        return -1;
    }
    do {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            data = realloc(data, cap);
            if (!data)
                abort();
        }
        n = fread(data + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    fclose(f);
    LLVMFuzzerTestOneInput(data, len);
    free(data);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays the regular files in dir, in name order. Returns the count, or -1. */
static int replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t count = 0, cap = 0;
    int done = 0;

    if (!d) {
        perror(dir);
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof(*names));
            if (!names)
                abort();
        }
        size_t plen = strlen(dir) + strlen(e->d_name) + 2;
        names[count] = malloc(plen);
        if (!names[count])
            abort();
        snprintf(names[count], plen, "%s/%s", dir, e->d_name);
        count++;
    }
    closedir(d);
    qsort(names, count, sizeof(*names), cmp_str);
    for (size_t k = 0; k < count; k++) {
        struct stat st;
        if (stat(names[k], &st) == 0 && S_ISREG(st.st_mode)) {
            if (replay_file(names[k]) != 0)
                done = -1;
            else if (done >= 0)
                done++;
        }
        free(names[k]);
    }
    free(names);
    return done;
}

int main(int argc, char **argv)
{
    int total = 0;
    for (int k = 1; k < argc; k++) {
        struct stat st;
        int n;
        if (stat(argv[k], &st) != 0) {
            printf("%s: no corpus, nothing to replay\n", argv[k]);
            continue;
        }
        n = S_ISDIR(st.st_mode) ? replay_dir(argv[k]) : replay_file(argv[k]) == 0;
        if (n < 0)
            return 1;
        total += n;
    }
    printf("replayed %d input(s)\n", total);
    return 0;
}
