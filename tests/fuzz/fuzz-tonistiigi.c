/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target for the tonistiigi/binfmt compatibility mode's parsers and JSON writer. The input
 * is an architecture spec and an --install list (normalised names must be stable and made of
 * containerd's characters, truncation must stay in the buffer, the list must have one key per
 * item); a JSON string (the output must be a well-formed, HTML-safe JSON string in valid UTF-8
 * that decodes back to the input wherever no byte was replaced); and, split at NUL bytes, a
 * command line for Go's flag parsing (an error always comes with Go's text). Aborts on any
 * disagreement.
 */

#include <stdint.h>

#include "compat/tonistiigi.h"
#include "base/strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool arch_char_ok(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static void check_arch(const char *s)
{
        char big[256], small[4];
        int r, r2;

        r = compat_arch_parse(s, NULL, big, sizeof(big));
        if (r == -ENOMEM)
                return;
        if (r < 0) {
                if (r != -EINVAL)
                        abort();
        } else {
                if (strlen(big) == 0)
                        abort();
                for (const char *p = big; *p; p++)
                        if (!arch_char_ok(*p))
                                abort();
                /* Normalising is done once and for all. */
                if (strlen(big) < sizeof(big) - 1 && !streq(compat_arch_normalize(big), big))
                        abort();
                /* Parsing a normalised name that Go knows again gives the same name. */
                if (strlen(big) < sizeof(big) - 1 && compat_qemu_name(big)) {
                        char again[256];

                        if (compat_arch_parse(big, NULL, again, sizeof(again)) < 0 ||
                            !streq(again, big))
                                abort();
                }
        }

        /* A host architecture changes only what a bare OS gives; truncation stays in @small. */
        r2 = compat_arch_parse(s, "amd64", small, sizeof(small));
        if (r2 == -ENOMEM || r == -ENOMEM)
                return;
        if (r2 < 0 && r >= 0)
                abort();
        if (r2 >= 0 && strlen(small) >= sizeof(small))
                abort();
        if (r >= 0 && r2 >= 0 && strncmp(small, big, sizeof(small) - 1) != 0)
                abort();
}

static void check_list(const char *s)
{
        _cleanup_strv_free_ char **keys = NULL;
        size_t commas = 0;

        if (compat_install_list(s, "arm64", &keys) < 0)
                return;
        for (const char *p = s; *p; p++)
                commas += *p == ',';
        if (strv_length(keys) != commas + 1)
                abort();
        if (compat_install_is_all(s) != streq(s, "all"))
                abort();
}

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

/* Appends the code point @cp (< 0x10000) to @out as UTF-8. */
static size_t put_utf8(char *out, uint32_t cp)
{
        if (cp < 0x80) {
                out[0] = (char)cp;
                return 1;
        }
        if (cp < 0x800) {
                out[0] = (char)(0xc0 | cp >> 6);
                out[1] = (char)(0x80 | (cp & 0x3f));
                return 2;
        }
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
}

/* Whether @s (of @n bytes) is valid UTF-8 without NUL, by a decoder other than the writer's. */
static bool utf8_ok(const unsigned char *s, size_t n)
{
        for (size_t i = 0; i < n;) {
                unsigned char c = s[i];
                size_t len;
                uint32_t min, cp;

                if (c == 0)
                        return false;
                if (c < 0x80) {
                        i++;
                        continue;
                }
                if (c >= 0xc2 && c <= 0xdf)
                        len = 2, min = 0x80, cp = c & 0x1f;
                else if (c >= 0xe0 && c <= 0xef)
                        len = 3, min = 0x800, cp = c & 0x0f;
                else if (c >= 0xf0 && c <= 0xf4)
                        len = 4, min = 0x10000, cp = c & 0x07;
                else
                        return false;
                if (i + len > n)
                        return false;
                for (size_t k = 1; k < len; k++) {
                        if ((s[i + k] & 0xc0) != 0x80)
                                return false;
                        cp = cp << 6 | (s[i + k] & 0x3f);
                }
                if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                        return false;
                i += len;
        }
        return true;
}

static void check_json(const char *s)
{
        _cleanup_free_ char *out = NULL, *decoded = NULL;
        size_t size = 0, n = 0;
        bool replaced = false;
        FILE *f;

        f = open_memstream(&out, &size);
        if (!f)
                return;
        if (compat_json_string(f, s) < 0)
                abort();
        if (fclose(f) != 0)
                return;

        if (size < 2 || out[0] != '"' || out[size - 1] != '"')
                abort();
        if (!utf8_ok((const unsigned char *)out, size))
                abort();
        /* HTML-safe and JavaScript-safe. */
        if (strpbrk(out, "<>&") || strstr(out, "\xe2\x80\xa8") || strstr(out, "\xe2\x80\xa9"))
                abort();

        decoded = malloc(size);
        if (!decoded)
                return;
        for (size_t i = 1; i < size - 1; i++) {
                unsigned char c = out[i];

                if (c < 0x20 || c == '"')
                        abort();
                if (c != '\\') {
                        decoded[n++] = (char)c;
                        continue;
                }
                if (++i >= size - 1)
                        abort();
                switch (out[i]) {
                case '"':
                case '\\':
                        decoded[n++] = out[i];
                        break;
                case 'n':
                        decoded[n++] = '\n';
                        break;
                case 'r':
                        decoded[n++] = '\r';
                        break;
                case 't':
                        decoded[n++] = '\t';
                        break;
                case 'b':
                        decoded[n++] = '\b';
                        break;
                case 'f':
                        decoded[n++] = '\f';
                        break;
                case 'u': {
                        uint32_t cp = 0;

                        if (i + 4 >= size - 1)
                                abort();
                        for (int k = 1; k <= 4; k++) {
                                int h = hexval(out[i + k]);
                                if (h < 0)
                                        abort();
                                cp = cp << 4 | (uint32_t)h;
                        }
                        i += 4;
                        /* Only what must be escaped is: no \u for a plain character. */
                        if (cp >= 0x20 && cp != '<' && cp != '>' && cp != '&' && cp != 0x2028 &&
                            cp != 0x2029 && cp != 0xfffd)
                                abort();
                        if (cp == 0xfffd)
                                replaced = true;
                        n += put_utf8(decoded + n, cp);
                        break;
                }
                default:
                        abort();
                }
        }

        /* Nothing replaced means the input was valid UTF-8 and comes back as it was. */
        if (replaced == utf8_ok((const unsigned char *)s, strlen(s)))
                abort();
        if (!replaced && (n != strlen(s) || memcmp(decoded, s, n) != 0))
                abort();
}

static void check_args(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *copy = NULL, *error = NULL;
        _cleanup_free_ char **argv = NULL;
        CompatArgs a = {};
        int argc = 1, r;

        copy = malloc(size + 1);
        if (!copy)
                return;
        memcpy(copy, data, size);
        copy[size] = '\0';
        for (size_t i = 0; i < size; i++)
                argc += copy[i] == '\0';
        argc++;
        argv = calloc(argc + 1, sizeof(char *));
        if (!argv)
                return;
        argv[0] = (char *)"binfmt";
        argc = 1;
        for (size_t i = 0; i <= size; i += strlen(copy + i) + 1)
                argv[argc++] = copy + i;

        (void)compat_args_wanted(argc, argv);
        r = compat_args_parse(argc, argv, &a, &error);
        if (r == -ENOMEM)
                return;
        if (r == -EINVAL) {
                if (!error || !(startswith(error, "flag provided but not defined: -") ||
                                startswith(error, "flag needs an argument: -") ||
                                startswith(error, "bad flag syntax: ") ||
                                startswith(error, "invalid boolean value \"")))
                        abort();
                return;
        }
        if (error || (r != 0 && r != COMPAT_ARGS_HELP))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *s = NULL;

        if (size > 4096)
                return 0;
        check_args(data, size);

        /* The rest see the input up to its first NUL, as a C string. */
        s = strndup((const char *)data, size);
        if (!s)
                return 0;
        check_arch(s);
        check_list(s);
        check_json(s);
        return 0;
}
