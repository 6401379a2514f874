/* The nats-server configuration file format (mirrors nats-server conf/lex.go + conf/parse.go):
 * maps, arrays, strings (bare, "double" with escapes, 'single', ( block )), integers with size
 * suffixes, floats, booleans, Zulu datetimes, $variables (enclosing maps, then the environment)
 * and include files. The result is a tree of conf_node; map entries keep the order and spelling
 * of the file. Every node and key remembers file, line and column, in the reference's
 * convention (column 0-based on line 1, 1-based after). No global state: parsing is reentrant.
 * Nesting (maps, arrays, includes, $ENV re-parsing) is capped at CONF_MAX_DEPTH. */
#ifndef NS_CONF_CONF_H
#define NS_CONF_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONF_MAX_DEPTH 128            /* nested maps/arrays/includes/env values */
#define CONF_MAX_INCLUDE_DEPTH 32     /* include chain length */
#define CONF_MAX_ENV_DEPTH 8          /* $ENV values that reference $ENV values */
#define CONF_MAX_NODES 1000000        /* values in one parse, copies made by $var included */
#define CONF_MAX_FILE_SIZE (64 << 20) /* bytes per file */

enum conf_type {
    CONF_MAP = 1,
    CONF_ARRAY,
    CONF_STRING,
    CONF_INT,
    CONF_FLOAT,
    CONF_BOOL,
    CONF_DATETIME,
};

struct conf_node;

struct conf_entry {
    char *key;             /* as written, quotes removed */
    const char *file;      /* file of the key (NULL when parsed from a string); owned by root */
    int line, col;         /* of the key's first character */
    struct conf_node *val; /* owned */
};

struct conf_node {
    enum conf_type type;
    const char *file; /* owned by the root, see files below; NULL for strings and $ENV values */
    int line, col;    /* where the value starts */
    bool used;        /* referenced at least once as $name (then not an "unknown field") */

    char *str;  /* STRING: the value; INT, FLOAT, DATETIME: the text as written. NUL-ended */
    size_t len; /* length of str (a STRING may hold NUL bytes from "\x00") */
    int64_t i;  /* INT: value with the suffix applied; DATETIME: seconds since the epoch */
    double f;   /* FLOAT */
    bool b;     /* BOOL */

    struct conf_entry *entries; /* MAP, in file order; a repeated key keeps the later value */
    size_t nentries, entries_cap;
    struct conf_node **items; /* ARRAY */
    size_t nitems, items_cap;

    char **files; /* root only: the names nodes point to (the file, its includes) */
    size_t nfiles;
};

/* Parses the file at path. On success returns 0 and *out is a new CONF_MAP root (the caller
 * owns it: conf_free). On failure returns -1 and writes the reference's error text to err
 * (at most errlen bytes, NUL-terminated), e.g. "Parse error on line 3: 'Unexpected EOF.'" or
 * "variable reference for 'X' on line 9 can not be found". include paths are relative to the
 * directory of the including file. Borrows path. */
int conf_parse_file(const char *path, struct conf_node **out, char *err, size_t errlen);

/* Same as conf_parse_file for text in memory (len bytes, need not be NUL-terminated). name is
 * the file name recorded in positions and the base of include paths; NULL means no name and
 * includes relative to the working directory. Borrows text and name. */
int conf_parse_string(const char *text, size_t len, const char *name, struct conf_node **out,
                      char *err, size_t errlen);

/* Frees a tree returned by conf_parse_*. Only for roots. NULL is a no-op. */
void conf_free(struct conf_node *root);

/* The value of key in map (exact, case-sensitive match), or NULL. Returns borrowed, valid
 * until the root is freed. */
struct conf_node *conf_map_get(const struct conf_node *map, const char *key);

/* The entry of key in map, ASCII case-insensitive (as server/opts.go matches option names),
 * or NULL. Returns borrowed, valid until the root is freed. */
const struct conf_entry *conf_map_find_ci(const struct conf_node *map, const char *key);

/* "map", "array", "string", "integer", "float", "bool" or "datetime". Static text. */
const char *conf_type_name(enum conf_type t);

/* Line and column of a node (0 for NULL), and its file ("" when none). Borrowed. */
int conf_node_line(const struct conf_node *n);
int conf_node_col(const struct conf_node *n);
const char *conf_node_file(const struct conf_node *n);

#endif
