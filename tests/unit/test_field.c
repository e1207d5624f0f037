/* Editable fields: the start prompt's digits-only engine count and the px
 * input line with history, including UTF-8 text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/field.h"

static void
test_digits_prompt(void **state)
{
	struct field f;

	(void)state;
	field_init(&f, 6, FIELD_DIGITS, 0);
	field_set(&f, "8");
	assert_string_equal(field_text(&f), "8");
	assert_int_equal(f.cur, 1);
	assert_false(field_insert(&f, 'x'));
	assert_false(field_insert(&f, '-'));
	assert_true(field_insert(&f, '4'));
	assert_string_equal(field_text(&f), "84");
	assert_true(field_clear(&f));
	assert_string_equal(field_text(&f), "");
	assert_false(field_clear(&f));
	assert_false(field_backspace(&f));
	for (int i = 0; i < 6; i++)
		assert_true(field_insert(&f, '1' + i));
	assert_false(field_insert(&f, '7'));	/* max reached */
	assert_string_equal(field_text(&f), "123456");
	assert_true(field_backspace(&f));
	assert_true(field_backspace(&f));
	assert_string_equal(field_text(&f), "1234");
	field_set(&f, "123456789");		/* truncated to max */
	assert_string_equal(field_text(&f), "123456");
	field_free(&f);
}

static void
test_editing(void **state)
{
	struct field f;

	(void)state;
	field_init(&f, 100, 0, 0);
	for (const char *p = "print(6*7)"; *p != '\0'; p++)
		assert_true(field_insert(&f, *p));
	assert_false(field_insert(&f, '\t'));
	assert_false(field_insert(&f, 0x7f));
	assert_true(field_home(&f));
	assert_false(field_home(&f));
	assert_false(field_left(&f));
	assert_true(field_delete(&f));
	assert_string_equal(field_text(&f), "rint(6*7)");
	assert_true(field_insert(&f, 'p'));
	assert_true(field_end(&f));
	assert_false(field_right(&f));
	assert_false(field_delete(&f));
	assert_true(field_left(&f));
	assert_true(field_left(&f));
	assert_true(field_kill_end(&f));
	assert_string_equal(field_text(&f), "print(6*");
	assert_false(field_kill_end(&f));
	field_set(&f, "x = foo bar  ");
	assert_true(field_kill_word(&f));
	assert_string_equal(field_text(&f), "x = foo ");
	assert_true(field_kill_word(&f));
	assert_string_equal(field_text(&f), "x = ");
	field_free(&f);
}

static void
test_utf8(void **state)
{
	struct field f;

	(void)state;
	field_init(&f, 8, 0, 0);
	assert_true(field_insert(&f, 0xe9));		/* é: 2 bytes */
	assert_true(field_insert(&f, 0x20ac));		/* €: 3 bytes */
	assert_false(field_insert(&f, 0x1f600));	/* 5 + 4 > 8 bytes */
	assert_int_equal(f.len, 5);
	assert_true(field_insert(&f, 'a'));
	assert_true(field_insert(&f, 'b'));
	assert_true(field_insert(&f, 'c'));
	assert_false(field_insert(&f, 'd'));	/* full */
	field_free(&f);

	field_init(&f, 16, 0, 0);
	assert_false(field_insert(&f, 0xd800));		/* a surrogate */
	assert_true(field_insert(&f, 'a'));
	assert_true(field_insert(&f, 0x20ac));
	assert_true(field_insert(&f, 'b'));
	assert_string_equal(field_text(&f), "a\xe2\x82\xac" "b");
	assert_int_equal(field_cursor_chars(&f), 3);
	assert_true(field_left(&f));
	assert_true(field_left(&f));
	assert_int_equal(f.cur, 1);
	assert_int_equal(field_cursor_chars(&f), 1);
	assert_true(field_delete(&f));
	assert_string_equal(field_text(&f), "ab");
	assert_true(field_insert(&f, 0x20ac));
	assert_true(field_backspace(&f));
	assert_string_equal(field_text(&f), "ab");
	field_set(&f, "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac");
	assert_int_equal(f.len, 15);	/* never cut inside a character */
	field_free(&f);
}

static void
test_history(void **state)
{
	struct field f;

	(void)state;
	field_init(&f, 100, 0, 3);
	assert_false(field_history_prev(&f));
	field_set(&f, "a = 1");
	field_history_commit(&f);
	assert_string_equal(field_text(&f), "");
	field_history_commit(&f);		/* empty: not kept */
	field_set(&f, "b = 2");
	field_history_commit(&f);
	field_set(&f, "b = 2");
	field_history_commit(&f);		/* repeat: not kept */
	assert_int_equal(f.nhist, 2);
	field_set(&f, "draft");
	assert_true(field_history_prev(&f));
	assert_string_equal(field_text(&f), "b = 2");
	assert_true(field_history_prev(&f));
	assert_string_equal(field_text(&f), "a = 1");
	assert_false(field_history_prev(&f));
	assert_true(field_history_next(&f));
	assert_string_equal(field_text(&f), "b = 2");
	assert_true(field_history_next(&f));
	assert_string_equal(field_text(&f), "draft");
	assert_false(field_history_next(&f));
	field_set(&f, "c");
	field_history_commit(&f);
	field_set(&f, "d");
	field_history_commit(&f);		/* pushes "a = 1" out */
	assert_int_equal(f.nhist, 3);
	assert_string_equal(f.hist[0], "b = 2");
	assert_true(field_history_prev(&f));
	assert_string_equal(field_text(&f), "d");
	field_history_commit(&f);		/* ends browsing */
	assert_int_equal(f.hpos, f.nhist);
	field_free(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digits_prompt),
		cmocka_unit_test(test_editing),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_history),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
