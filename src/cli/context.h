/* Context files shared by context.c (save, ls, select, info, rm) and context_ops.c (copy,
 * edit, validate): natscontext's JSON layout (ADR-21) under $XDG_CONFIG_HOME/nats. */
#ifndef NS_CLI_CONTEXT_H
#define NS_CLI_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/cli.h"

#define CTX_NFIELDS 16

/* A context: the string fields in natscontext's order (NULL = empty). */
struct ctx {
    char *v[CTX_NFIELDS];
};

/* A field's value ("" when unset). */
const char *ctx_get(const struct ctx *c, const char *name);
void ctx_release(struct ctx *c);
/* "<config>/nats/context/<name>.json" (malloc'd). */
char *ctx_path(const char *name);
/* Non-empty and no "..", "/" or "\" (a file name of its own). */
bool ctx_valid_name(const char *name);
/* True if the context file exists and is readable. */
bool ctx_known(const char *name);
/* The selected context's name (malloc'd) or NULL. */
char *ctx_selected(void);
/* Loads a context. 0, or -1 with the reason in why. */
int ctx_read(const char *name, struct ctx *c, char *why, size_t why_n);
/* Writes a context (0600). 0, or an exit code after printing the error. */
int ctx_write(struct cli *cli, const char *name, const struct ctx *c);
/* natscli createCommand: loads source (or name itself when NULL), applies the connection
 * flags, description and nsc, saves as name, then shows (or selects) it. */
int ctx_save(struct cli *cli, const char *name, const char *source, const char *description,
             const char *nsc, bool select);
/* natscli showCommand: prints the context page; *errors counts unreadable files and (with
 * connect) a failed connection. Returns 0 or an exit code. */
int ctx_show_checked(struct cli *cli, const char *name, bool connect, int *errors);
/* Prints "       Connection: OK" or the error after trying to connect with c. Returns 1 on
 * failure, else 0. (context_ops.c) */
int ctx_check_connection(struct cli *cli, const struct ctx *c);
/* natscli's "WARNING: Shell environment overrides in place using NATS_URL, ..." line when
 * such variables are set. (context_ops.c) */
void ctx_override_warning(struct cli *cli);

/* context copy|cp SOURCE NAME, context edit|vi NAME, context validate [NAME] (context_ops.c). */
int ctx_copy(struct cli *cli, const char *source, const char *name, const char *description,
             const char *nsc, bool select);
int ctx_edit(struct cli *cli, const char *name);
int ctx_validate(struct cli *cli, const char *name, bool connect);

#endif
