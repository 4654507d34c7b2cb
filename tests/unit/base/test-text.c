/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tests.h"
#include "base/text.h"

TEST(hex_value)
{
        ASSERT_EQ(text_hex_value('0'), 0);
        ASSERT_EQ(text_hex_value('9'), 9);
        ASSERT_EQ(text_hex_value('a'), 10);
        ASSERT_EQ(text_hex_value('f'), 15);
        ASSERT_EQ(text_hex_value('A'), 10);
        ASSERT_EQ(text_hex_value('F'), 15);
        ASSERT_EQ(text_hex_value('g'), -1);
        ASSERT_EQ(text_hex_value('G'), -1);
        ASSERT_EQ(text_hex_value('x'), -1);
        ASSERT_EQ(text_hex_value(' '), -1);
        ASSERT_EQ(text_hex_value('\0'), -1);
        ASSERT_EQ(text_hex_value('\xff'), -1);
}

TEST(hex_byte)
{
        /* A one-byte buffer that is not a hex digit: s[1] must not be read (ASan would see). */
        char *one = malloc(1);

        ASSERT_NOT_NULL(one);
        one[0] = 'x';
        ASSERT_EQ(text_hex_byte("00"), 0x00);
        ASSERT_EQ(text_hex_byte("7f"), 0x7f);
        ASSERT_EQ(text_hex_byte("Ff"), 0xff);
        ASSERT_EQ(text_hex_byte("a5rest"), 0xa5);
        ASSERT_ERROR(text_hex_byte("g0"), EINVAL);
        ASSERT_ERROR(text_hex_byte("0g"), EINVAL);
        ASSERT_ERROR(text_hex_byte(""), EINVAL);
        ASSERT_ERROR(text_hex_byte(one), EINVAL);
        free(one);
}

TEST(is_control)
{
        ASSERT_TRUE(text_is_control('\0'));
        ASSERT_TRUE(text_is_control('\n'));
        ASSERT_TRUE(text_is_control(0x1f));
        ASSERT_TRUE(text_is_control(0x7f));
        ASSERT_FALSE(text_is_control(' '));
        ASSERT_FALSE(text_is_control('~'));
        ASSERT_FALSE(text_is_control(0x80));
        ASSERT_FALSE(text_is_control(0xff));
}

TEST(hex)
{
        static const uint8_t bytes[] = {0x7f, 'E', 'L', 'F', 0x00, 0xab};
        char buf[16], *o;

        o = text_put_hex_escape(buf, 0xab);
        ASSERT_TRUE(o == buf + 4);
        *o = '\0';
        ASSERT_STREQ(buf, "\\xab");
        *text_put_hex_escape(buf, 0x00) = '\0';
        ASSERT_STREQ(buf, "\\x00");

        _cleanup_free_ char *h = text_hex(bytes, sizeof(bytes));
        _cleanup_free_ char *none = text_hex(bytes, 0);
        ASSERT_STREQ(h, "7f454c4600ab");
        ASSERT_STREQ(none, "");
}

TEST(escape)
{
        static const char raw[] = "a\"b\\c\n\x7f\x80\xff";
        char buf[TEXT_ESCAPE_SIZE(16)];

        ASSERT_STREQ(text_escape(raw, strlen(raw), 16, 0, buf), "a\"b\\c\\x0a\\x7f\\x80\\xff");
        ASSERT_STREQ(text_escape(raw, strlen(raw), 16, TEXT_ESCAPE_BACKSLASH, buf),
                     "a\\\"b\\\\c\\x0a\\x7f\\x80\\xff");
        ASSERT_STREQ(text_escape(raw, strlen(raw), 16, TEXT_ESCAPE_QUOTE, buf),
                     "\"a\"b\\c\\x0a\\x7f\\x80\\xff\"");
        ASSERT_STREQ(text_escape("", 0, 16, TEXT_ESCAPE_QUOTE, buf), "\"\"");
        ASSERT_STREQ(text_escape("", 0, 16, 0, buf), "");

        /* Bytes after a NUL are rendered too: the length decides, not the terminator. */
        ASSERT_STREQ(text_escape("a\0b", 3, 16, 0, buf), "a\\x00b");

        /* Cut after @max input bytes; "..." only when something was left out. */
        ASSERT_STREQ(text_escape("abcd", 4, 4, 0, buf), "abcd");
        ASSERT_STREQ(text_escape("abcde", 5, 4, 0, buf), "abcd...");
        ASSERT_STREQ(text_escape("abcde", 5, 4, TEXT_ESCAPE_QUOTE, buf), "\"abcd\"...");
}

TEST(escape_fills_buffer)
{
        /* The worst case: every byte escaped, quoted, cut. */
        char buf[TEXT_ESCAPE_SIZE(8)], all[9];

        memset(all, 0x01, sizeof(all));
        text_escape(all, sizeof(all), 8, TEXT_ESCAPE_QUOTE | TEXT_ESCAPE_BACKSLASH, buf);
        ASSERT_EQ(strlen(buf) + 1, sizeof(buf));
        ASSERT_STREQ(buf, "\"\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\"...");
}

TEST(quote)
{
        char q[TEXT_QUOTE_MAX], long_value[TEXT_QUOTE_BYTES_MAX + 1];

        ASSERT_STREQ(text_quote("a\"\\\n", 4, q), "\"a\\\"\\\\\\x0a\"");
        ASSERT_STREQ(text_quote("M", 1, q), "\"M\"");

        memset(long_value, 'x', sizeof(long_value));
        text_quote(long_value, sizeof(long_value), q);
        ASSERT_EQ(strlen(q), TEXT_QUOTE_BYTES_MAX + 2 + 3);
        ASSERT_TRUE(strcmp(q + strlen(q) - 4, "\"...") == 0);
        text_quote(long_value, TEXT_QUOTE_BYTES_MAX, q);
        ASSERT_EQ(strlen(q), TEXT_QUOTE_BYTES_MAX + 2);
}

TEST(refuse)
{
        _cleanup_free_ char *reason = NULL;

        ASSERT_ERROR(text_refuse(NULL, -EINVAL, "no %s", "reason"), EINVAL);
        ASSERT_ERROR(text_refuse(&reason, -EBADMSG, "field %s is %d bytes", "magic", 300), EBADMSG);
        ASSERT_STREQ(reason, "field magic is 300 bytes");
}

int main(void)
{
        RUN(hex_value);
        RUN(hex_byte);
        RUN(is_control);
        RUN(hex);
        RUN(escape);
        RUN(escape_fills_buffer);
        RUN(quote);
        RUN(refuse);
        return 0;
}
