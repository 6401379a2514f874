/* go-pretty StyleRounded tables for the `nats` CLI (see table.h). */
#include "cli/table.h"

#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"

struct table_row {
    char **cells;
    bool *numeric;
    bool separator; /* a rule, no cells */
};

struct table {
    char *title;
    int ncols;
    char **header;
    struct table_row *rows;
    int nrows;
};

int table_text_width(const char *s)
{
    int w = 0;

    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

struct table *table_new(const char *title)
{
    struct table *t = xcalloc(1, sizeof(*t));

    if (title && *title)
        t->title = xstrdup(title);
    return t;
}

void table_header(struct table *t, int ncols, const char *const *cells)
{
    t->ncols = ncols;
    t->header = xcalloc((size_t)ncols, sizeof(char *));
    for (int i = 0; i < ncols; i++)
        t->header[i] = xstrdup(cells[i] ? cells[i] : "");
}

static struct table_row *add_row(struct table *t)
{
    t->rows = xrealloc(t->rows, sizeof(*t->rows) * (size_t)(t->nrows + 1));
    memset(&t->rows[t->nrows], 0, sizeof(t->rows[0]));
    return &t->rows[t->nrows++];
}

void table_row(struct table *t, const char *const *cells, const bool *numeric)
{
    struct table_row *r = add_row(t);

    r->cells = xcalloc((size_t)t->ncols, sizeof(char *));
    r->numeric = xcalloc((size_t)t->ncols, sizeof(bool));
    for (int i = 0; i < t->ncols; i++) {
        r->cells[i] = xstrdup(cells[i] ? cells[i] : "");
        r->numeric[i] = numeric ? numeric[i] : false;
    }
}

void table_separator(struct table *t)
{
    add_row(t)->separator = true;
}

static void rule(FILE *out, const char *l, const char *mid, const char *r, const int *w, int n)
{
    fputs(l, out);
    for (int c = 0; c < n; c++) {
        for (int i = 0; i < w[c] + 2; i++)
            fputs("─", out);
        if (c + 1 < n)
            fputs(mid, out);
    }
    fputs(r, out);
    fputc('\n', out);
}

static void line(FILE *out, char *const *cells, const int *w, const bool *right, int n)
{
    fputs("│", out);
    for (int c = 0; c < n; c++) {
        int pad = w[c] - table_text_width(cells[c]);
        if (right[c])
            fprintf(out, " %*s%s │", pad, "", cells[c]);
        else
            fprintf(out, " %s%*s │", cells[c], pad, "");
    }
    fputc('\n', out);
}

void table_print(struct table *t, FILE *out)
{
    int n = t->ncols, inner;
    int *w = xcalloc((size_t)n + 1, sizeof(int));
    bool *right = xcalloc((size_t)n + 1, sizeof(bool));

    for (int c = 0; c < n; c++) {
        bool any = false, all = true;
        w[c] = table_text_width(t->header[c]);
        for (int r = 0; r < t->nrows; r++) {
            if (t->rows[r].separator)
                continue;
            int cw = table_text_width(t->rows[r].cells[c]);
            if (cw > w[c])
                w[c] = cw;
            any = true;
            all = all && t->rows[r].numeric[c];
        }
        right[c] = any && all;
    }
    inner = 0;
    for (int c = 0; c < n; c++)
        inner += w[c] + 3;
    inner -= 1;
    if (t->title) {
        int tw = table_text_width(t->title);
        if (tw + 2 > inner) { /* widen the last column so the title fits */
            w[n - 1] += tw + 2 - inner;
            inner = tw + 2;
        }
        int lpad = (inner - tw) / 2;
        fputs("╭", out);
        for (int i = 0; i < inner; i++)
            fputs("─", out);
        fputs("╮\n", out);
        fprintf(out, "│%*s%s%*s│\n", lpad, "", t->title, inner - tw - lpad, "");
        rule(out, "├", "┬", "┤", w, n);
    } else {
        rule(out, "╭", "┬", "╮", w, n);
    }
    line(out, t->header, w, right, n);
    rule(out, "├", "┼", "┤", w, n);
    for (int r = 0; r < t->nrows; r++) {
        if (t->rows[r].separator)
            rule(out, "├", "┼", "┤", w, n);
        else
            line(out, t->rows[r].cells, w, right, n);
    }
    rule(out, "╰", "┴", "╯", w, n);
    for (int r = 0; r < t->nrows; r++) {
        if (t->rows[r].cells)
            for (int c = 0; c < n; c++)
                free(t->rows[r].cells[c]);
        free(t->rows[r].cells);
        free(t->rows[r].numeric);
    }
    for (int c = 0; c < n; c++)
        free(t->header[c]);
    free(t->header);
    free(t->rows);
    free(t->title);
    free(w);
    free(right);
    free(t);
}
