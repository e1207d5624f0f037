/* Escaping names for the terminal and masking secrets in logs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/safetext.h"

static void
check_escape(const char *in, const char *want)
{
	char *got = safetext_escape(in);

	assert_string_equal(got, want);
	free(got);
}

static void
test_escape(void **state)
{
	(void)state;
	check_escape("local", "local");
	check_escape("caf\xc3\xa9", "caf\xc3\xa9");
	check_escape("caf\xe9", "caf\\xe9");
	check_escape("e\x1b[31mvil", "e\\x1b[31mvil");
	check_escape("a\tb\nc\x7f", "a\\x09b\\x0ac\\x7f");
	check_escape("c1\xc2\x9b", "c1\\u009b");
	check_escape("\xed\xa0\x80", "\\xed\\xa0\\x80");	/* surrogate */
	check_escape("\xc0\xaf", "\\xc0\\xaf");		/* overlong */
	check_escape("\xe2\x82", "\\xe2\\x82");		/* truncated */
	check_escape("", "");
}

static void
test_utf8(void **state)
{
	(void)state;
	assert_true(safetext_utf8_valid("plain"));
	assert_true(safetext_utf8_valid("\xf0\x9f\x98\x80"));
	assert_false(safetext_utf8_valid("caf\xe9.yaml"));
	assert_false(safetext_utf8_valid("\xf4\x90\x80\x80"));	/* > U+10FFFF */
	assert_false(safetext_has_ctl("caf\xc3\xa9"));
	assert_true(safetext_has_ctl("e\x1b[31m"));
	assert_true(safetext_has_ctl("x\xc2\x85"));
}

static void
check_mask(const char *in, const char *want)
{
	char *buf = strdup(in);

	safetext_mask_secrets(buf, strlen(buf));
	assert_string_equal(buf, want);
	free(buf);
}

static void
test_mask(void **state)
{
	(void)state;
	check_mask("[IPEngine] {'Session': {'key': b'6898f465-4cac', "
	    "'signature_scheme': 'hmac-sha256'}}",
	    "[IPEngine] {'Session': {'key': b'*************', "
	    "'signature_scheme': 'hmac-sha256'}}");
	check_mask("  \"key\": \"abc-123\",\n  \"location\": \"vm\"",
	    "  \"key\": \"*******\",\n  \"location\": \"vm\"");
	check_mask("ipengine --Session.key=s3cr3t --profile=x",
	    "ipengine --Session.key=****** --profile=x");
	check_mask("\"curve_secretkey\": \"zz\", \"curve_serverkey\": null",
	    "\"curve_secretkey\": \"**\", \"curve_serverkey\": null");
	check_mask("'key': 'a\\'b' tail", "'key': '****' tail");
	check_mask("monkeys: 3, keyboard=us, key", "monkeys: 3, keyboard=us, key");
	check_mask("'key': b'unterminated\nnext line",
	    "'key': b'************\nnext line");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_mask),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
