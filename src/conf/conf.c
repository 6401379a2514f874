/* Configuration tree: nodes, lookups, Go-style path handling and file reading for the parser in
 * conf_parse.c. Invariant: a tree has one owner, its root; file names are stored once in the
 * root's table and nodes borrow them. Mirrors the value side of nats-server conf/parse.go and
 * the path rules of Go's path/filepath (include paths are joined lexically, like the reference,
 * so even "include /abs.conf" is taken relative to the including file). Reading files is in
 * conf_file.c, so the fuzz target can replace it with an in-memory file system. */
#include "conf/conf.h"
#include "conf/conf_priv.h"

#include "core/xmalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct conf_node *conf_node_new(enum conf_type t, const char *file, int line, int col)
{
    struct conf_node *n = xcalloc(1, sizeof(*n));

    n->type = t;
    n->file = file;
    n->line = line;
    n->col = col;
    return n;
}

void conf_node_free(struct conf_node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nentries; i++) {
        free(n->entries[i].key);
        conf_node_free(n->entries[i].val);
    }
    free(n->entries);
    for (size_t i = 0; i < n->nitems; i++)
        conf_node_free(n->items[i]);
    free(n->items);
    free(n->str);
    free(n);
}

void conf_free(struct conf_node *root)
{
    if (!root)
        return;
    for (size_t i = 0; i < root->nfiles; i++)
        free(root->files[i]);
    free(root->files);
    conf_node_free(root);
}

size_t conf_node_count(const struct conf_node *n)
{
    size_t c = 1;

    for (size_t i = 0; i < n->nentries; i++)
        c += conf_node_count(n->entries[i].val);
    for (size_t i = 0; i < n->nitems; i++)
        c += conf_node_count(n->items[i]);
    return c;
}

struct conf_node *conf_node_copy(const struct conf_node *n, const char *file, int line, int col)
{
    struct conf_node *c = conf_node_new(n->type, file, line, col);

    c->used = n->used;
    if (n->str) {
        c->str = xmemdup(n->str, n->len + 1);
        c->len = n->len;
    }
    c->i = n->i;
    c->f = n->f;
    c->b = n->b;
    if (n->nentries) {
        c->entries = xcalloc(n->nentries, sizeof(*c->entries));
        c->nentries = c->entries_cap = n->nentries;
        for (size_t i = 0; i < n->nentries; i++) {
            const struct conf_entry *e = &n->entries[i];
            c->entries[i] = *e;
            c->entries[i].key = xstrdup(e->key);
            c->entries[i].val = conf_node_copy(e->val, e->val->file, e->val->line, e->val->col);
        }
    }
    if (n->nitems) {
        c->items = xcalloc(n->nitems, sizeof(*c->items));
        c->nitems = c->items_cap = n->nitems;
        for (size_t i = 0; i < n->nitems; i++) {
            const struct conf_node *it = n->items[i];
            c->items[i] = conf_node_copy(it, it->file, it->line, it->col);
        }
    }
    return c;
}

void conf_map_set(struct conf_node *map, const char *key, const char *file, int line, int col,
                  struct conf_node *val)
{
    struct conf_entry *e;

    for (size_t i = 0; i < map->nentries; i++) {
        e = &map->entries[i];
        if (strcmp(e->key, key) == 0) {
            conf_node_free(e->val);
            e->val = val;
            e->file = file;
            e->line = line;
            e->col = col;
            return;
        }
    }
    if (map->nentries == map->entries_cap) {
        map->entries_cap = map->entries_cap ? map->entries_cap * 2 : 8;
        map->entries = xrealloc(map->entries, map->entries_cap * sizeof(*map->entries));
    }
    e = &map->entries[map->nentries++];
    e->key = xstrdup(key);
    e->file = file;
    e->line = line;
    e->col = col;
    e->val = val;
}

void conf_array_push(struct conf_node *arr, struct conf_node *val)
{
    if (arr->nitems == arr->items_cap) {
        arr->items_cap = arr->items_cap ? arr->items_cap * 2 : 8;
        arr->items = xrealloc(arr->items, arr->items_cap * sizeof(*arr->items));
    }
    arr->items[arr->nitems++] = val;
}

const char *conf_root_intern_file(struct conf_node *root, const char *name)
{
    for (size_t i = 0; i < root->nfiles; i++) {
        if (strcmp(root->files[i], name) == 0)
            return root->files[i];
    }
    root->files = xrealloc(root->files, (root->nfiles + 1) * sizeof(*root->files));
    root->files[root->nfiles] = xstrdup(name);
    return root->files[root->nfiles++];
}

struct conf_node *conf_map_get(const struct conf_node *map, const char *key)
{
    if (!map || map->type != CONF_MAP)
        return NULL;
    for (size_t i = 0; i < map->nentries; i++) {
        if (strcmp(map->entries[i].key, key) == 0)
            return map->entries[i].val;
    }
    return NULL;
}

static int ascii_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static bool ascii_eq_ci(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        if (ascii_lower((unsigned char)*a) != ascii_lower((unsigned char)*b))
            return false;
    }
    return *a == *b;
}

const struct conf_entry *conf_map_find_ci(const struct conf_node *map, const char *key)
{
    if (!map || map->type != CONF_MAP)
        return NULL;
    for (size_t i = 0; i < map->nentries; i++) {
        if (ascii_eq_ci(map->entries[i].key, key))
            return &map->entries[i];
    }
    return NULL;
}

static const char *const type_names[] = {
    [CONF_MAP] = "map",           [CONF_ARRAY] = "array", [CONF_STRING] = "string",
    [CONF_INT] = "integer",       [CONF_FLOAT] = "float", [CONF_BOOL] = "bool",
    [CONF_DATETIME] = "datetime",
};

const char *conf_type_name(enum conf_type t)
{
    if ((size_t)t < sizeof(type_names) / sizeof(type_names[0]) && type_names[t])
        return type_names[t];
    return "unknown";
}

int conf_node_line(const struct conf_node *n)
{
    return n ? n->line : 0;
}

int conf_node_col(const struct conf_node *n)
{
    return n ? n->col : 0;
}

const char *conf_node_file(const struct conf_node *n)
{
    return (n && n->file) ? n->file : "";
}

char *conf_strfmt(const char *fmt, ...)
{
    va_list ap;
    int n;
    char *s;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    s = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* Go's filepath.Clean: one slash between elements, no "." elements, ".." resolved lexically
 * (kept at the start of a relative path, dropped at the root), "." for an empty result. */
char *conf_path_clean(const char *path)
{
    size_t n = strlen(path);
    bool rooted = n > 0 && path[0] == '/';
    char *out = xmalloc(n + 2);
    size_t w = 0, dotdot = 0; /* dotdot: where ".." may no longer backtrack */
    size_t r = 0;

    if (rooted) {
        out[w++] = '/';
        r = 1;
        dotdot = 1;
    }
    while (r < n) {
        if (path[r] == '/') {
            r++;
        } else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/')) {
            r++;
        } else if (path[r] == '.' && path[r + 1] == '.' && (r + 2 == n || path[r + 2] == '/')) {
            r += 2;
            if (w > dotdot) {
                w--;
                while (w > dotdot && out[w] != '/')
                    w--;
            } else if (!rooted) {
                if (w > 0)
                    out[w++] = '/';
                out[w++] = '.';
                out[w++] = '.';
                dotdot = w;
            }
        } else {
            if ((rooted && w != 1) || (!rooted && w != 0))
                out[w++] = '/';
            for (; r < n && path[r] != '/'; r++)
                out[w++] = path[r];
        }
    }
    if (w == 0)
        out[w++] = '.';
    out[w] = '\0';
    return out;
}

char *conf_path_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *head, *clean;

    if (!slash)
        return xstrdup(".");
    head = xstrndup(path, (size_t)(slash - path) + 1);
    clean = conf_path_clean(head);
    free(head);
    return clean;
}

char *conf_path_join(const char *dir, const char *name)
{
    char *joined, *clean;

    if (!*dir)
        return conf_path_clean(*name ? name : "");
    if (!*name)
        return conf_path_clean(dir);
    joined = conf_strfmt("%s/%s", dir, name);
    clean = conf_path_clean(joined);
    free(joined);
    return clean;
}
