/* Configuration contexts (natscli cli/context_command.go and jsm.go natscontext, ADR-21):
 * one JSON file per context in $XDG_CONFIG_HOME/nats/context/NAME.json (default
 * ~/.config), the selected name in $XDG_CONFIG_HOME/nats/context.txt. Files are written with
 * Go's json.MarshalIndent layout (two spaces, fields in natscontext's order). */
#include "cli/cli.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/context.h"
#include "core/xmalloc.h"

/* The JSON fields of a context, in natscontext's order (none omitempty). */
static const char *const ctx_fields[CTX_NFIELDS] = {
    "description", "url", "token", "user", "password", "creds", "nkey", "cert", "key", "ca",
    "nsc", "jetstream_domain", "jetstream_api_prefix", "jetstream_event_prefix",
    "inbox_prefix", "user_jwt",
};
#define NFIELDS CTX_NFIELDS

static int field_index(const char *name)
{
    for (size_t i = 0; i < NFIELDS; i++)
        if (strcmp(ctx_fields[i], name) == 0)
            return (int)i;
    return -1;
}

const char *ctx_get(const struct ctx *c, const char *name)
{
    const char *v = c->v[field_index(name)];
    return v ? v : "";
}

static void ctx_set(struct ctx *c, const char *name, const char *value)
{
    int i = field_index(name);

    if (!value || !*value)
        return;
    free(c->v[i]);
    c->v[i] = xstrdup(value);
}

void ctx_release(struct ctx *c)
{
    for (size_t i = 0; i < NFIELDS; i++)
        FREE_AND_NULL(c->v[i]);
}

/* Returns the malloc'd path "<config>/nats<suffix>". */
static char *config_path(const char *suffix)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    size_t n = strlen(suffix) + (xdg && *xdg ? strlen(xdg) : strlen(home ? home : "")) + 32;
    char *p = xmalloc(n);

    if (xdg && *xdg)
        snprintf(p, n, "%s/nats%s", xdg, suffix);
    else
        snprintf(p, n, "%s/.config/nats%s", home ? home : "", suffix);
    return p;
}

char *ctx_path(const char *name)
{
    size_t n = strlen(name) + 32;
    char *suffix = xmalloc(n), *p;

    snprintf(suffix, n, "/context/%s.json", name);
    p = config_path(suffix);
    free(suffix);
    return p;
}

bool ctx_valid_name(const char *name)
{
    return *name && !strstr(name, "..") && !strchr(name, '/') && !strchr(name, '\\');
}

bool ctx_known(const char *name)
{
    char *p = ctx_path(name);
    bool ok = access(p, R_OK) == 0;

    free(p);
    return ok;
}

/* Returns the selected context name (malloc'd) or NULL. */
char *ctx_selected(void)
{
    char *p = config_path("/context.txt"), buf[256];
    FILE *f = fopen(p, "r");
    size_t n = 0;

    free(p);
    if (!f)
        return NULL;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    return n ? xstrdup(buf) : NULL;
}

/* Loads a context file. Returns 0, or -1 with errno-style message in why. */
int ctx_read(const char *name, struct ctx *c, char *why, size_t why_n)
{
    char *p = ctx_path(name);
    json_error_t jerr;
    json_t *root = json_load_file(p, 0, &jerr);

    memset(c, 0, sizeof(*c));
    if (!root) {
        snprintf(why, why_n, "open %s: no such file or directory", p);
        free(p);
        return -1;
    }
    free(p);
    for (size_t i = 0; i < NFIELDS; i++) {
        json_t *v = json_object_get(root, ctx_fields[i]);
        if (json_is_string(v) && *json_string_value(v))
            c->v[i] = xstrdup(json_string_value(v));
    }
    json_decref(root);
    return 0;
}

static int mkdirs(const char *path)
{
    char *tmp = xstrdup(path);

    for (char *s = tmp + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            if (mkdir(tmp, 0700) != 0 && errno != EEXIST) {
                free(tmp);
                return -1;
            }
            *s = '/';
        }
    }
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST) {
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

int ctx_write(struct cli *cli, const char *name, const struct ctx *c)
{
    json_t *root = json_object();
    char *dir = config_path("/context"), *p = ctx_path(name), *text;
    FILE *f;
    int rc = 0;

    for (size_t i = 0; i < NFIELDS; i++)
        json_object_set_new(root, ctx_fields[i], json_string(c->v[i] ? c->v[i] : ""));
    text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (mkdirs(dir) != 0 || !(f = fopen(p, "w"))) {
        rc = cli_errorf(cli, "could not write %s: %s", p, strerror(errno));
    } else {
        fchmod(fileno(f), 0600);
        fputs(text, f);
        if (fclose(f) != 0)
            rc = cli_errorf(cli, "could not write %s: %s", p, strerror(errno));
    }
    free(text);
    free(dir);
    free(p);
    return rc;
}

int cli_context_load(struct cli *cli, const char *name)
{
    struct ctx c;
    char why[512];
    char *sel = NULL;
    char **dest[] = {&cli->servers, &cli->user, &cli->password, &cli->token, &cli->creds,
                     &cli->nkey, &cli->tlscert, &cli->tlskey, &cli->tlsca, &cli->inbox_prefix,
                     &cli->js_domain, &cli->js_api_prefix, &cli->js_event_prefix};
    const char *keys[] = {"url", "user", "password", "token", "creds", "nkey", "cert", "key",
                          "ca", "inbox_prefix", "jetstream_domain", "jetstream_api_prefix",
                          "jetstream_event_prefix"};

    if (!name) {
        sel = ctx_selected();
        if (!sel)
            return 0;
        name = sel;
    }
    if (!ctx_valid_name(name) || ctx_read(name, &c, why, sizeof(why)) != 0) {
        char *q = cli_go_quote(name);
        cli_errorf(cli, "unknown context %s", q);
        free(q);
        free(sel);
        return 1;
    }
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const char *v = ctx_get(&c, keys[i]);
        if (*v) {
            free(*dest[i]);
            *dest[i] = xstrdup(v);
        }
    }
    free(cli->context);
    cli->context = xstrdup(name);
    ctx_release(&c);
    free(sel);
    return 0;
}

static void show_if(struct cli *cli, const char *label, const char *v)
{
    if (v && *v)
        fprintf(cli->out, "%s: %s\n", label, v);
}

static int show_file_if(struct cli *cli, const char *label, const char *v)
{
    if (!v || !*v)
        return 0;
    bool ok = access(v, R_OK) == 0;
    fprintf(cli->out, "%s: %s (%s)\n", label, v, ok ? "OK" : "ERROR");
    return ok ? 0 : 1;
}

int ctx_show_checked(struct cli *cli, const char *name_in, bool connect, int *errors)
{
    struct ctx c;
    char why[512];
    char *sel = NULL, *q, *path;
    const char *name = name_in;

    if (!name || !*name) {
        sel = ctx_selected();
        name = sel;
    }
    if (!name)
        return cli_errorf(cli, "no default context and no name supplied");
    if (!ctx_valid_name(name) || ctx_read(name, &c, why, sizeof(why)) != 0) {
        q = cli_go_quote(name);
        cli_errorf(cli, "unknown context %s", q);
        free(q);
        free(sel);
        return 1;
    }
    q = cli_go_quote(name);
    path = ctx_path(name);
    fprintf(cli->out, "NATS Configuration Context %s\n\n", q);
    show_if(cli, "      Description", ctx_get(&c, "description"));
    show_if(cli, "      Server URLs", *ctx_get(&c, "url") ? ctx_get(&c, "url")
                                                           : "nats://localhost:4222");
    show_if(cli, "         Username", ctx_get(&c, "user"));
    if (*ctx_get(&c, "password"))
        fprintf(cli->out, "         Password: *********\n");
    show_if(cli, "            Token", ctx_get(&c, "token"));
    *errors += show_file_if(cli, "      Credentials", ctx_get(&c, "creds"));
    *errors += show_file_if(cli, "             NKey", ctx_get(&c, "nkey"));
    *errors += show_file_if(cli, "      Certificate", ctx_get(&c, "cert"));
    *errors += show_file_if(cli, "              Key", ctx_get(&c, "key"));
    *errors += show_file_if(cli, "               CA", ctx_get(&c, "ca"));
    show_if(cli, "       NSC Lookup", ctx_get(&c, "nsc"));
    show_if(cli, "    JS API Prefix", ctx_get(&c, "jetstream_api_prefix"));
    show_if(cli, "  JS Event Prefix", ctx_get(&c, "jetstream_event_prefix"));
    show_if(cli, "        JS Domain", ctx_get(&c, "jetstream_domain"));
    show_if(cli, "     Inbox Prefix", ctx_get(&c, "inbox_prefix"));
    show_if(cli, "             Path", path);
    if (connect)
        *errors += ctx_check_connection(cli, &c);
    fputc('\n', cli->out);
    ctx_override_warning(cli);
    free(q);
    free(path);
    free(sel);
    ctx_release(&c);
    return 0;
}

static int ctx_show(struct cli *cli, const char *name)
{
    int errors = 0;

    return ctx_show_checked(cli, name, false, &errors);
}

static int ctx_select(struct cli *cli, const char *name)
{
    char *dir, *p;
    FILE *f;

    if (!name || !*name)
        return cli_errorf(cli, "please select a context to activate");
    if (!ctx_valid_name(name) || !ctx_known(name)) {
        char *q = cli_go_quote(name);
        cli_errorf(cli, "unknown context %s", q);
        free(q);
        return 1;
    }
    dir = config_path("");
    p = config_path("/context.txt");
    mkdirs(dir);
    f = fopen(p, "w");
    if (!f) {
        int rc = cli_errorf(cli, "could not write %s: %s", p, strerror(errno));
        free(dir);
        free(p);
        return rc;
    }
    fputs(name, f);
    fclose(f);
    free(dir);
    free(p);
    return ctx_show(cli, name);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Display width of a UTF-8 string (one column per code point). */
static int utf8_width(const char *s)
{
    int w = 0;

    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

static void hline(struct cli *cli, const char *l, const char *mid, const char *r, int w1,
                  int w2, bool split)
{
    fputs(l, cli->out);
    for (int i = 0; i < w1 + 2; i++)
        fputs("─", cli->out);
    fputs(split ? mid : "─", cli->out);
    for (int i = 0; i < w2 + 2; i++)
        fputs("─", cli->out);
    fputs(r, cli->out);
    fputc('\n', cli->out);
}

static void cell(struct cli *cli, const char *s, int w)
{
    fprintf(cli->out, " %s%*s ", s, w - utf8_width(s), "");
}

static int ctx_list(struct cli *cli)
{
    char *dir = config_path("/context"), *sel = ctx_selected();
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL, **descs;
    int n = 0, w1 = 4, w2 = 11;

    while (d && (e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l > 5 && strcmp(e->d_name + l - 5, ".json") == 0) {
            names = xrealloc(names, sizeof(char *) * (size_t)(n + 1));
            names[n++] = xstrndup(e->d_name, l - 5);
        }
    }
    if (d)
        closedir(d);
    free(dir);
    if (n == 0) {
        fprintf(cli->out, "No known contexts\n");
        free(sel);
        return 0;
    }
    qsort(names, (size_t)n, sizeof(char *), cmp_str);
    descs = xcalloc((size_t)n, sizeof(char *));
    for (int i = 0; i < n; i++) {
        struct ctx c;
        char why[512];
        if (ctx_read(names[i], &c, why, sizeof(why)) == 0) {
            descs[i] = xstrdup(ctx_get(&c, "description"));
            ctx_release(&c);
        } else {
            descs[i] = xstrdup("");
        }
        if (sel && strcmp(sel, names[i]) == 0) {
            size_t l = strlen(names[i]);
            names[i] = xrealloc(names[i], l + 2);
            memcpy(names[i] + l, "*", 2);
        }
        if (utf8_width(names[i]) > w1)
            w1 = utf8_width(names[i]);
        if (utf8_width(descs[i]) > w2)
            w2 = utf8_width(descs[i]);
    }
    /* go-pretty StyleRounded with a centred title, as natscli's newTableWriter */
    int inner = w1 + w2 + 5, tw = utf8_width("Known Contexts");
    int lpad = (inner - tw) / 2;
    hline(cli, "╭", "─", "╮", w1, w2, false);
    fprintf(cli->out, "│%*s%s%*s│\n", lpad, "", "Known Contexts", inner - tw - lpad, "");
    hline(cli, "├", "┬", "┤", w1, w2, true);
    fputs("│", cli->out);
    cell(cli, "Name", w1);
    fputs("│", cli->out);
    cell(cli, "Description", w2);
    fputs("│\n", cli->out);
    hline(cli, "├", "┼", "┤", w1, w2, true);
    for (int i = 0; i < n; i++) {
        fputs("│", cli->out);
        cell(cli, names[i], w1);
        fputs("│", cli->out);
        cell(cli, descs[i], w2);
        fputs("│\n", cli->out);
        free(names[i]);
        free(descs[i]);
    }
    hline(cli, "╰", "┴", "╯", w1, w2, true);
    fputc('\n', cli->out);
    free(names);
    free(descs);
    free(sel);
    return 0;
}

int ctx_save(struct cli *cli, const char *name, const char *source, const char *description,
             const char *nsc, bool select)
{
    struct ctx c;
    char why[512];
    int rc;

    if (!ctx_valid_name(name)) {
        char *q = cli_go_quote(name);
        cli_errorf(cli, "invalid context name %s", q);
        free(q);
        return 1;
    }
    if (ctx_read(source ? source : name, &c, why, sizeof(why)) != 0)
        memset(&c, 0, sizeof(c));
    ctx_set(&c, "url", cli->servers);
    ctx_set(&c, "user", cli->user);
    ctx_set(&c, "password", cli->password);
    ctx_set(&c, "token", cli->token);
    ctx_set(&c, "creds", cli->creds);
    ctx_set(&c, "nkey", cli->nkey);
    ctx_set(&c, "cert", cli->tlscert);
    ctx_set(&c, "key", cli->tlskey);
    ctx_set(&c, "ca", cli->tlsca);
    ctx_set(&c, "description", description);
    ctx_set(&c, "nsc", nsc);
    ctx_set(&c, "jetstream_api_prefix", cli->js_api_prefix);
    ctx_set(&c, "jetstream_event_prefix", cli->js_event_prefix);
    ctx_set(&c, "jetstream_domain", cli->js_domain);
    ctx_set(&c, "inbox_prefix", cli->inbox_prefix);
    if (!c.v[field_index("url")])
        ctx_set(&c, "url", "nats://localhost:4222");
    rc = ctx_write(cli, name, &c);
    ctx_release(&c);
    if (rc != 0)
        return rc;
    return select ? ctx_select(cli, name) : ctx_show(cli, name);
}

static int ctx_remove(struct cli *cli, const char *name, bool force)
{
    char *sel = ctx_selected(), *p;

    if (!ctx_valid_name(name) || !ctx_known(name)) {
        char *q = cli_go_quote(name);
        cli_errorf(cli, "unknown context %s", q);
        free(q);
        free(sel);
        return 1;
    }
    if (!force) {
        char ans[16] = "";
        char *q = cli_go_quote(name);
        fprintf(cli->out, "? Really delete context %s (y/N) ", q);
        fflush(cli->out);
        free(q);
        if (!fgets(ans, sizeof(ans), stdin) || (ans[0] != 'y' && ans[0] != 'Y')) {
            free(sel);
            return 0;
        }
    }
    if (sel && strcmp(sel, name) == 0) {
        free(sel);
        return cli_errorf(cli, "cannot remove the current active context");
    }
    free(sel);
    p = ctx_path(name);
    if (unlink(p) != 0) {
        int rc = cli_errorf(cli, "could not remove %s: %s", p, strerror(errno));
        free(p);
        return rc;
    }
    free(p);
    return 0;
}

int cmd_context(struct cli *cli, int argc, char **argv)
{
    char *description = NULL, *nsc = NULL, **pos = NULL;
    bool select = false, force = false, json = false, connect = false;
    int npos = 0, rc;
    const struct cli_flag flags[] = {
        {"description", 0, CLI_STRING, &description, "Set a friendly description for this context",
         "DESCRIPTION"},
        {"select", 0, CLI_BOOL, &select, "Select the saved context as the default one", NULL},
        {"nsc", 0, CLI_STRING, &nsc, "URL to a nsc user, eg. nsc://<operator>/<account>/<user>",
         "NSC"},
        {"force", 'f', CLI_BOOL, &force, "Force delete without prompting", NULL},
        {"json", 'j', CLI_BOOL, &json, "Display the context in JSON format", NULL},
        {"connect", 0, CLI_BOOL, &connect,
         "Attempts to connect to NATS using the context while validating", NULL},
        {NULL, 0, CLI_BOOL, NULL, NULL, NULL},
    };

    rc = cli_parse_flags(cli, "context <command> [<args> ...]", flags, argc, argv, &pos, &npos);
    if (rc != 0) {
        free(description);
        free(nsc);
        return rc < 0 ? 1 : 0;
    }
    const char *sub = npos > 0 ? pos[0] : NULL, *name = npos > 1 ? pos[1] : NULL;
    if (!sub) {
        rc = cli_errorf(cli, "must select a subcommand of 'context', try --help");
    } else if (strcmp(sub, "save") == 0 || strcmp(sub, "add") == 0 ||
               strcmp(sub, "create") == 0) {
        rc = name ? ctx_save(cli, name, NULL, description, nsc, select)
                  : cli_errorf(cli, "required argument 'name' not provided, try --help");
    } else if (strcmp(sub, "ls") == 0 || strcmp(sub, "list") == 0 || strcmp(sub, "l") == 0) {
        rc = ctx_list(cli);
    } else if (strcmp(sub, "select") == 0 || strcmp(sub, "switch") == 0 ||
               strcmp(sub, "set") == 0) {
        rc = ctx_select(cli, name);
    } else if (strcmp(sub, "info") == 0 || strcmp(sub, "show") == 0) {
        int errors = 0;
        rc = ctx_show_checked(cli, name, connect, &errors);
    } else if (strcmp(sub, "copy") == 0 || strcmp(sub, "cp") == 0) {
        rc = npos < 3 ? cli_errorf(cli, "required argument '%s' not provided, try --help",
                                   npos < 2 ? "source" : "name")
                      : ctx_copy(cli, pos[1], pos[2], description, nsc, select);
    } else if (strcmp(sub, "edit") == 0 || strcmp(sub, "vi") == 0) {
        rc = name ? ctx_edit(cli, name)
                  : cli_errorf(cli, "required argument 'name' not provided, try --help");
    } else if (strcmp(sub, "validate") == 0) {
        rc = ctx_validate(cli, name, connect);
    } else if (strcmp(sub, "rm") == 0 || strcmp(sub, "remove") == 0) {
        rc = name ? ctx_remove(cli, name, force)
                  : cli_errorf(cli, "required argument 'name' not provided, try --help");
    } else {
        char *q = cli_go_quote(sub);
        rc = cli_errorf(cli, "expected command but got %s, try --help", q);
        free(q);
    }
    (void)json;
    free(description);
    free(nsc);
    free(pos);
    return rc;
}
