/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/macro.h"

/*
 * Small text helpers the parsers share: hex digits in both directions, the "\xHH" escape
 * binfmtd writes, making untrusted bytes printable for a message, and handing back a reason
 * with an error code. No parser's rules live here: which escapes a field accepts is decided by
 * the module that owns the field.
 */

/* Values quoted in reasons are escaped and cut to this many input bytes. */
#define TEXT_QUOTE_BYTES_MAX 64

/* What text_escape() may write for @max input bytes: each as \xHH, two quotes, "...", NUL. */
#define TEXT_ESCAPE_SIZE(max) (4 * (max) + sizeof("\"\"..."))
#define TEXT_QUOTE_MAX        TEXT_ESCAPE_SIZE(TEXT_QUOTE_BYTES_MAX)

typedef enum TextEscapeFlags {
        TEXT_ESCAPE_QUOTE = 1 << 0,     /* enclose the text in double quotes */
        TEXT_ESCAPE_BACKSLASH = 1 << 1, /* write '"' and '\' as \" and \\ */
} TextEscapeFlags;

/**
 * text_hex_value() - the value of the hex digit @c (either case), or -1. Locale-independent, as
 * the kernel's isxdigit()/hex_to_bin() are.
 */
int text_hex_value(char c);

/**
 * text_hex_byte() - the byte that the two hex digits at @s stand for, or -EINVAL. Reads @s[1]
 * only when @s[0] is a hex digit, so a string that ends after one byte is safe.
 */
int text_hex_byte(const char *s);

/**
 * text_is_control() - whether @c is an ASCII control character (below 0x20, or DEL).
 */
bool text_is_control(unsigned char c);

/**
 * text_put_hex_escape() - write @b as the four characters "\xHH" (lowercase) at @o, without a
 * NUL. Returns the position after them.
 */
char *text_put_hex_escape(char *o, uint8_t b);

/**
 * text_hex() - @n bytes of @p as plain lowercase hex, newly allocated ("" for none). Returns
 * NULL when out of memory.
 */
char *text_hex(const uint8_t *p, size_t n);

/**
 * text_escape() - a printable, single-line rendering of @n untrusted bytes of @p for a message,
 * into @buf (at least TEXT_ESCAPE_SIZE(@max) bytes): control bytes and bytes of 0x80 and up as
 * \xHH, the rest as they are. @flags may add quotes around the text and backslashes before '"'
 * and '\' inside it. Only the first @max bytes are rendered; "..." follows when there are more.
 * Returns @buf.
 */
const char *text_escape(const void *p, size_t n, size_t max, TextEscapeFlags flags, char *buf);

/**
 * text_quote() - text_escape() of at most TEXT_QUOTE_BYTES_MAX bytes, quoted and with '"' and
 * '\' escaped: the form of every value a rule or entry reason names ("\"a\\x0ab\"").
 */
const char *text_quote(const void *p, size_t n, char buf[static TEXT_QUOTE_MAX]);

/**
 * text_refuse() - store a newly allocated reason from @fmt in @ret_reason, if that is not NULL,
 * and return @error (a negative errno). Returns -ENOMEM if the reason cannot be allocated.
 */
_printf_(3, 4) int text_refuse(char **ret_reason, int error, const char *fmt, ...);

/* text_ascii_lower() - ASCII letters of @s in lower case, in place (no locale). Returns @s. */
char *text_ascii_lower(char *s);
