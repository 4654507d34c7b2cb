/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Text helpers shared by the rule, entry and configuration parsers: hex digits, the "\xHH"
 * escape, printable renderings of untrusted bytes for messages, and reasons handed back with an
 * error code. One rendering everywhere, so that a byte looks the same in every message.
 *
 * Decoding escapes is deliberately not here: the kernel's decoder (rule.c) and binfmtd.conf's
 * (config.c) differ on purpose, and each belongs to the module whose syntax it implements.
 *
 * Pure: no I/O, no logging, no locale.
 */

#include <stdarg.h>

#include "base/text.h"

static const char hex_digits[] = "0123456789abcdef";

int text_hex_value(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int text_hex_byte(const char *s)
{
        int hi, lo;

        hi = text_hex_value(s[0]);
        if (hi < 0)
                return -EINVAL;
        lo = text_hex_value(s[1]);
        if (lo < 0)
                return -EINVAL;
        return hi << 4 | lo;
}

bool text_is_control(unsigned char c)
{
        return c < 0x20 || c == 0x7f;
}

char *text_put_hex_escape(char *o, uint8_t b)
{
        *o++ = '\\';
        *o++ = 'x';
        *o++ = hex_digits[b >> 4];
        *o++ = hex_digits[b & 0xf];
        return o;
}

char *text_hex(const uint8_t *p, size_t n)
{
        char *s, *o;

        s = o = malloc(2 * n + 1);
        if (!s)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                *o++ = hex_digits[p[i] >> 4];
                *o++ = hex_digits[p[i] & 0xf];
        }
        *o = '\0';
        return s;
}

const char *text_escape(const void *p, size_t n, size_t max, TextEscapeFlags flags, char *buf)
{
        const unsigned char *s = p;
        char *o = buf;

        if (flags & TEXT_ESCAPE_QUOTE)
                *o++ = '"';
        for (size_t i = 0; i < n && i < max; i++) {
                if ((flags & TEXT_ESCAPE_BACKSLASH) && (s[i] == '"' || s[i] == '\\')) {
                        *o++ = '\\';
                        *o++ = (char)s[i];
                } else if (text_is_control(s[i]) || s[i] >= 0x80)
                        o = text_put_hex_escape(o, s[i]);
                else
                        *o++ = (char)s[i];
        }
        if (flags & TEXT_ESCAPE_QUOTE)
                *o++ = '"';
        if (n > max)
                o = stpcpy(o, "...");
        *o = '\0';
        return buf;
}

const char *text_quote(const void *p, size_t n, char buf[static TEXT_QUOTE_MAX])
{
        return text_escape(p, n, TEXT_QUOTE_BYTES_MAX, TEXT_ESCAPE_QUOTE | TEXT_ESCAPE_BACKSLASH,
                           buf);
}

int text_refuse(char **ret_reason, int error, const char *fmt, ...)
{
        va_list ap;
        char *s;
        int r;

        if (!ret_reason)
                return error;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;

        *ret_reason = s;
        return error;
}

char *text_ascii_lower(char *s)
{
        for (char *p = s; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                        *p += 'a' - 'A';
        return s;
}
