/* core/scontrol: a running job's tasks per node from `scontrol
 * --oneliner --details show job`, in the order of its node list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/scontrol.h"

/* A job of Slurm 22.05, cut to the words around the per-node entries. */
#define JOB(pertask, entries) \
	"JobId=12 JobName=hpctop-mnguess-eng UserId=root(0) JobState=RUNNING " \
	"NodeList=cn[1-2] BatchHost=cn1 NumNodes=2 NumCPUs=4 NumTasks=4 " \
	"CPUs/Task=" pertask " ReqB:S:C:T=0:0:*:* JOB_GRES=(null) " entries \
	" MinCPUsNode=1 MinMemoryNode=0 Power=\n"

static void
assert_layout(const char *out, const char *nodelist, const char *want)
{
	char *got = scontrol_layout(out, strlen(out), nodelist);

	if (want == NULL) {
		if (got != NULL)
			fail_msg("layout %s, want none", got);
		return;
	}
	if (got == NULL)
		fail_msg("no layout, want %s", want);
	assert_string_equal(got, want);
	free(got);
}

static void
test_layout(void **state)
{
	assert_layout(JOB("1", "Nodes=cn1 CPU_IDs=0-2 Mem=0 GRES= "
	    "Nodes=cn2 CPU_IDs=0 Mem=0 GRES="), "cn[1-2]", "3,1");
	/* Nodes with the same CPUs share an entry. */
	assert_layout(JOB("1", "Nodes=cn[1-2] CPU_IDs=0-1 Mem=0 GRES="),
	    "cn[1-2]", "2,2");
	assert_layout(JOB("1", "Nodes=cn[1-2] CPU_IDs=0-1 Mem=0 GRES="),
	    "cn1,cn2", "2,2");
	assert_layout(JOB("2", "Nodes=cn1 CPU_IDs=0-3,6-7 Mem=0 GRES= "
	    "Nodes=cn2 CPU_IDs=0-1 Mem=0 GRES="), "cn[1-2]", "3,1");
	/* Several lines (without --oneliner) read the same. */
	assert_layout("JobId=12 JobName=x\n   CPUs/Task=1 ReqB:S:C:T=0:0:*:*\n"
	    "     Nodes=cn1 CPU_IDs=0-2 Mem=0 GRES=\n"
	    "     Nodes=cn2 CPU_IDs=0 Mem=0 GRES=\n", "cn[1-2]", "3,1");
}

static void
test_no_layout(void **state)
{
	/* Not the job's nodes, not all of them, not in order, unreadable. */
	assert_layout(JOB("1", "Nodes=cn1 CPU_IDs=0-2 Mem=0"), "cn[1-2]",
	    NULL);
	assert_layout(JOB("1", "Nodes=cn2 CPU_IDs=0 Mem=0 "
	    "Nodes=cn1 CPU_IDs=0-2 Mem=0"), "cn[1-2]", NULL);
	assert_layout(JOB("1", "Nodes=cn3 CPU_IDs=0 Mem=0 "
	    "Nodes=cn1 CPU_IDs=0-2 Mem=0"), "cn[1-2]", NULL);
	assert_layout(JOB("1", "Nodes=cn1 CPU_IDs=2-0 Mem=0 "
	    "Nodes=cn2 CPU_IDs=0 Mem=0"), "cn[1-2]", NULL);
	assert_layout(JOB("1", "Nodes=cn[1- CPU_IDs=0 Mem=0"), "cn[1-2]",
	    NULL);
	assert_layout(JOB("1", "Nodes=cn1 CPU_IDs=0-2 Mem=0 "
	    "Nodes=cn2 CPU_IDs=0 Mem=0"), "cn[1-", NULL);
	assert_layout("", "cn1", NULL);
	assert_layout("slurm_load_jobs error: Invalid job id specified\n",
	    "cn1", NULL);
}

static void
test_argv(void **state)
{
	struct strv sv = STRV_INIT;
	char *s;

	scontrol_job_argv("12", &sv);
	s = strv_join(&sv, " ");
	assert_string_equal(s, "scontrol --oneliner --details show job 12");
	free(s);
	strv_clear(&sv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_no_layout),
		cmocka_unit_test(test_argv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
