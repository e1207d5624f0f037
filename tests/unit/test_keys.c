/* Key names and binding-table lookup: what the dashboard's one key table
 * relies on for dispatch and for its generated help screen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <string.h>

#include "core/keys.h"

enum { M_MAIN, M_PROMPT };
enum { A_UP = 1, A_DOWN, A_QUIT, A_HELP, A_TYPE, A_CLEAR, A_ENTER };

static const struct keys_binding tab[] = {
	{ M_MAIN, KEYC_UP, A_UP, "Move up", NULL },
	{ M_MAIN, 'k', A_UP, "Move up", NULL },
	{ M_MAIN, KEYC_DOWN, A_DOWN, "Move down", NULL },
	{ M_MAIN, 'j', A_DOWN, "Move down", NULL },
	{ M_MAIN, KEYC_F(1), A_HELP, "Help", "Help" },
	{ M_MAIN, '?', A_HELP, "Help", NULL },
	{ M_MAIN, KEYC_F(10), A_QUIT, "Quit", "Quit" },
	{ M_PROMPT, KEYC_CTRL('u'), A_CLEAR, "Clear", NULL },
	{ M_PROMPT, KEYC_ENTER, A_ENTER, "Run", NULL },
	{ M_PROMPT, KEYC_PRINTABLE, A_TYPE, "Type", NULL },
	{ M_PROMPT, 'q', A_QUIT, "Quit", NULL },
};
#define NTAB (sizeof tab / sizeof *tab)

static void
test_names(void **state)
{
	static const struct {
		int key;
		const char *name;
	} cases[] = {
		{ KEYC_UP, "Up" }, { KEYC_NPAGE, "PgDn" },
		{ KEYC_F(1), "F1" }, { KEYC_F(10), "F10" }, { KEYC_F12, "F12" },
		{ KEYC_CTRL('u'), "C-u" }, { KEYC_ENTER, "Enter" },
		{ KEYC_ESCAPE, "Esc" }, { KEYC_TAB, "Tab" }, { KEYC_SPACE, "Space" },
		{ KEYC_BSPACE, "Backspace" }, { 'k', "k" }, { '?', "?" },
		{ 0x20ac, "\xe2\x82\xac" },
	};
	char buf[32];

	(void)state;
	setlocale(LC_ALL, "C.UTF-8");
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		assert_string_equal(keys_name(cases[i].key, buf, sizeof buf),
		    cases[i].name);
		assert_int_equal(keys_parse(cases[i].name), cases[i].key);
	}
	assert_int_equal(keys_parse("f10"), KEYC_F(10));
	assert_int_equal(keys_parse("F13"), KEYC_NONE);
	assert_int_equal(keys_parse("F0"), KEYC_NONE);
	assert_int_equal(keys_parse("C-"), KEYC_NONE);
	assert_int_equal(keys_parse("kk"), KEYC_NONE);
	assert_int_equal(keys_parse(""), KEYC_NONE);
	assert_string_equal(keys_name(0x7f, buf, sizeof buf), "U+007F");
	assert_string_equal(keys_name(KEYC_F(10), buf, 3), "F1");
}

static void
test_printable(void **state)
{
	(void)state;
	assert_true(keys_printable('a'));
	assert_true(keys_printable(0xe9));
	assert_false(keys_printable(KEYC_SPACE));	/* bound by name */
	assert_false(keys_printable(KEYC_ENTER));
	assert_false(keys_printable(0x7f));
	assert_false(keys_printable(0x85));
	assert_false(keys_printable(KEYC_UP));
}

static void
test_lookup(void **state)
{
	const struct keys_binding *b;

	(void)state;
	b = keys_lookup(tab, NTAB, M_MAIN, 'k');
	assert_non_null(b);
	assert_int_equal(b->action, A_UP);
	assert_null(keys_lookup(tab, NTAB, M_MAIN, 'x'));
	assert_null(keys_lookup(tab, NTAB, M_MAIN, KEYC_CTRL('u')));
	/* Exact bindings win over KEYC_PRINTABLE, wherever they are. */
	b = keys_lookup(tab, NTAB, M_PROMPT, 'q');
	assert_int_equal(b->action, A_QUIT);
	b = keys_lookup(tab, NTAB, M_PROMPT, '7');
	assert_int_equal(b->action, A_TYPE);
	b = keys_lookup(tab, NTAB, M_PROMPT, 0x20ac);
	assert_int_equal(b->action, A_TYPE);
	/* Control and special keys never fall back to KEYC_PRINTABLE. */
	assert_null(keys_lookup(tab, NTAB, M_PROMPT, KEYC_ESCAPE));
	assert_null(keys_lookup(tab, NTAB, M_PROMPT, KEYC_UP));
}

static void
test_describe(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(keys_describe(tab, NTAB, M_MAIN, A_UP, "/", buf,
	    sizeof buf), 4);
	assert_string_equal(buf, "Up/k");
	keys_describe(tab, NTAB, M_MAIN, A_HELP, " ", buf, sizeof buf);
	assert_string_equal(buf, "F1 ?");
	assert_int_equal(keys_describe(tab, NTAB, M_PROMPT, A_UP, "/", buf,
	    sizeof buf), 0);
	assert_string_equal(buf, "");
	/* Truncated to whole names. */
	keys_describe(tab, NTAB, M_MAIN, A_DOWN, "/", buf, 6);
	assert_string_equal(buf, "Down");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_printable),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
