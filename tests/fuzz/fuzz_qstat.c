/* libFuzzer target: qstat output in every format hpctop reads. The input
 * goes through format detection (qstat_parse) and, so that each parser
 * sees every input, through each format's parser directly. */
#include <stddef.h>
#include <stdint.h>

#include "core/qstat.h"
#include "tests/fuzz/fuzzcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
checked(long rc, struct job_table *t, const struct err *e, const char *who)
{
	if (rc == -1)
		fuzzcheck_err(e);
	else
		fuzzcheck((size_t)rc == t->n, who);
	fuzzcheck_table(t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct job_table t = { 0 };
	struct err e;

	fuzzcheck(qstat_format_name(qstat_detect(buf, size)) != NULL,
	    "format without a name");
	e.msg[0] = '\0';
	checked(qstat_parse(buf, size, &t, &e), &t, &e, "qstat_parse: count");
	checked((long)qstat_parse_brief(buf, size, &t), &t, &e, "brief");
	checked((long)qstat_parse_alt(buf, size, &t), &t, &e, "alt");
	checked((long)qstat_parse_full(buf, size, &t), &t, &e, "full");
	e.msg[0] = '\0';
	checked(qstat_parse_xml(buf, size, &t, &e), &t, &e, "xml: count");
	e.msg[0] = '\0';
	checked(qstat_parse_json(buf, size, &t, &e), &t, &e, "json: count");
	return 0;
}
