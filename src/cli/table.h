/* Text tables as natscli draws them (go-pretty's StyleRounded, title centred, headers as
 * written): rounded box characters, one space of padding, columns whose cells are all numbers
 * right-aligned. Build with table_new/table_header/table_row/table_separator, then
 * table_print. */
#ifndef NS_CLI_TABLE_H
#define NS_CLI_TABLE_H

#include <stdbool.h>
#include <stdio.h>

struct table;

/* A new table with a title ("" or NULL: none). */
struct table *table_new(const char *title);
/* Sets the header row: ncols strings. The column count of the table. */
void table_header(struct table *t, int ncols, const char *const *cells);
/* Adds a row of ncols cells (copied). numeric[i] marks cell i as a number (Go int/float
 * values, which go-pretty right-aligns when the whole column is numeric); NULL: none. */
void table_row(struct table *t, const char *const *cells, const bool *numeric);
/* Adds a horizontal separator before the next row. */
void table_separator(struct table *t);
/* Writes the table to out (ending with a newline) and frees it. */
void table_print(struct table *t, FILE *out);
/* Display width of a UTF-8 string (one column per code point). */
int table_text_width(const char *s);

#endif
