/* Internals shared by conf.c (nodes, paths, files) and conf_parse.c (lexer + parser). Not for
 * use outside src/conf. The node budget (CONF_MAX_NODES) is counted by the caller of
 * conf_node_new/conf_node_copy, so one parse cannot be blown up by $var copies. */
#ifndef NS_CONF_CONF_PRIV_H
#define NS_CONF_CONF_PRIV_H

#include "conf/conf.h"

/* A new node of type t at file:line:col (file borrowed from the root's table). */
struct conf_node *conf_node_new(enum conf_type t, const char *file, int line, int col);

/* Frees a node and everything under it (not the root's file table). NULL is a no-op. */
void conf_node_free(struct conf_node *n);

/* Number of nodes in the subtree at n. */
size_t conf_node_count(const struct conf_node *n);

/* Deep copy of n; the copy's top node takes file:line:col. Borrows n. */
struct conf_node *conf_node_copy(const struct conf_node *n, const char *file, int line, int col);

/* Sets key in map to val (takes ownership of val; key copied): replaces the value of an
 * existing key in place (as a Go map assignment), else appends. */
void conf_map_set(struct conf_node *map, const char *key, const char *file, int line, int col,
                  struct conf_node *val);

/* Appends val to an array (takes ownership). */
void conf_array_push(struct conf_node *arr, struct conf_node *val);

/* Adds name to the root's file table unless present; returns the stored copy (borrowed, valid
 * until conf_free(root)). */
const char *conf_root_intern_file(struct conf_node *root, const char *name);

/* Go's filepath.Clean / Dir / Join, lexical only. Return new strings (caller frees). */
char *conf_path_clean(const char *path);
char *conf_path_dir(const char *path);
char *conf_path_join(const char *dir, const char *name);

/* Reads a whole file. Returns 0 and a new buffer (NUL-terminated, *len bytes), or -1 with
 * Go's os.ReadFile error text in *why (new string): "open x: no such file or directory",
 * "read x: is a directory". */
int conf_read_file(const char *path, char **buf, size_t *len, char **why);

/* printf into a new string. */
char *conf_strfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
