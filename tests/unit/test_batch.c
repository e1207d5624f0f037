/* The batch backends' pure parts: job scripts rendered from profiles
 * (directives, quoting of nasty values, here-document delimiters), submit
 * output and error parsing on recorded outputs, walltime and memory as
 * each scheduler reads them, and the job-state to liveness mapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/batch.h"
#include "backends/pbs.h"
#include "backends/registry.h"
#include "backends/slurm.h"
#include "core/cluster.h"
#include "core/diag.h"
#include "core/shquote.h"
#include "core/xmalloc.h"
#include "tests/unit/testutil.h"

/* A cluster of yaml with controller.placement job unless it says one:
 * the two-job layout most of these assert. */
static struct cluster *
mk(const char *name, const char *yaml, int n)
{
	const char *ctl = strstr(yaml, "controller: {");
	struct cluster *c;
	char *y;

	if (strstr(yaml, "placement:") != NULL)
		y = xstrdup(yaml);
	else if (ctl != NULL)
		y = xasprintf("%.*splacement: job, %s",
		    (int)(ctl - yaml + strlen("controller: {")), yaml,
		    ctl + strlen("controller: {"));
	else
		y = xasprintf("%scontroller: {placement: job}\n", yaml);
	c = testutil_cluster(name, y, n);
	free(y);
	return c;
}

static char *
render(const struct batch_kind *k, const struct cluster *c,
    enum batch_job which)
{
	struct err e;
	char *out = NULL;

	if (batch_render_job(k, c, which, &out, &e) == -1)
		fail_msg("%s", e.msg);
	return out;
}

/* Runs sh code, returns its stdout. */
static char *
sh(const char *code)
{
	char *path = xasprintf("%s/code.sh", testutil_state_dir()), buf[4096];
	FILE *f = fopen(path, "w"), *p;
	char *cmd;
	size_t n;

	assert_non_null(f);
	fputs(code, f);
	fclose(f);
	cmd = xasprintf("sh '%s'", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(buf, 1, sizeof buf - 1, p);
	buf[n] = '\0';
	pclose(p);
	free(cmd);
	free(path);
	return xstrdup(buf);
}

static void
test_nasty_values(void **state)
{
	static const char yaml[] = "backend: slurm\nengines: 2\n"
	    "env:\n  FOO: \"a b 'c' $(echo no) `echo no` \\\"q\\\" \\\\ ;|&\"\n"
	    "setup: [\"X=set-by-setup\"]\n"
	    "engine:\n  args: [\"--name=it's $HOME\"]\n";
	struct cluster *c = mk("nasty", yaml, 2);
	char *job = render(&slurm_kind, c, BATCH_ENGINES), *exec, *code, *out;

	(void)state;
	assert_non_null(strstr(job, "\nexport FOO='a b '\\''c'\\'' $(echo no) "
	    "`echo no` \"q\" \\ ;|&'\n"));
	assert_non_null(strstr(job, "\nX=set-by-setup\n"));
	assert_non_null(strstr(job, " '--name=it'\\''s $HOME'\n"));
	/* What sh makes of it: every value comes back as written. */
	exec = strstr(job, "\nexec ");
	assert_non_null(exec);
	code = xasprintf("%.*s\nprintf '<%%s>' \"$FOO\" \"$X\" \"$IPYTHONDIR\"\n",
	    (int)(exec - job), job);
	out = sh(code);
	{
		char *want = xasprintf("<a b 'c' $(echo no) `echo no` \"q\" \\ "
		    ";|&><set-by-setup><%s/ipy dir>", testutil_state_dir());

		assert_string_equal(out, want);
		free(want);
	}
	free(out);
	free(code);
	/* The engine argv, word for word. */
	code = xasprintf("set -- %s\nprintf '<%%s>' \"$@\"\n", exec + 6);
	out = sh(code);
	assert_non_null(strstr(out, "<--name=it's $HOME>"));
	assert_non_null(strstr(out, "<srun><--ntasks=2><sh><-c><"));
	{
		char *want = xasprintf("><hpctop-engine><%s/tasks><hpctop-set0-><ipengine>"
		    "<--profile=nasty>", c->dir);

		assert_non_null(strstr(out, want));
		free(want);
	}
	free(out);
	free(code);
	free(job);
	cluster_free(c);
}

/* The wrapper each engine task runs under, run for real by sh: the
 * task's output reaches the job log and a log of its own, and its exit
 * is recorded for cluster_read_tasks. */
static void
test_task_wrapper(void **state)
{
	static const char yaml[] = "backend: slurm\n"
	    "engine: {command: [sh, -c, 'echo started; echo \"x CRITICAL | "
	    "Registration timed out after 5.0 seconds\" >&2; exit 3', e]}\n";
	struct cluster *c = mk("wrap", yaml, 2);
	struct strv argv = STRV_INIT;
	char *cmd, *code, *out, host[256] = "";

	(void)state;
	assert_int_equal(cluster_mkdirs(c, NULL), 0);
	batch_task_argv(c, &argv);
	cmd = shquote_argv(strv_argv(&argv));
	code = xasprintf("SLURM_PROCID=1; export SLURM_PROCID; unset "
	    "OMPI_COMM_WORLD_RANK PMIX_RANK PMI_RANK; %s; echo \"rc=$?\"\n",
	    cmd);
	out = sh(code);
	assert_non_null(strstr(out, "started\n"));
	assert_non_null(strstr(out, "Registration timed out"));
	assert_non_null(strstr(out, "rc=3\n"));
	cluster_read_tasks(NULL, c);
	assert_int_equal(c->ntasks, 1);
	gethostname(host, sizeof host - 1);
	assert_string_equal(c->tasks[0].host, host);
	assert_int_equal(c->tasks[0].rank, 1);
	assert_int_equal(c->tasks[0].code, 3);
	free(out);
	out = diag_telling_line(c->tasks[0].log);
	assert_string_equal(out, "x CRITICAL | Registration timed out after "
	    "5.0 seconds");
	free(out);
	free(code);
	free(cmd);
	strv_clear(&argv);
	cluster_free(c);
}

static void
test_slurm_directives(void **state)
{
	static const char yaml[] = "backend: slurm\nengines: 8\nqueue: debug\n"
	    "walltime: 1-02:00:00\naccount: proj42\nnodes: 2\nppn: 4\n"
	    "mem: 4gb\nmpi: true\nmpiexec: [mpiexec, -v]\n"
	    "mpiexec_args: [-bind-to, core]\n"
	    "directives: [\"--exclusive\", \"--constraint=a&b\"]\n";
	struct cluster *c = mk("full", yaml, 8);
	char *ctl = render(&slurm_kind, c, BATCH_CONTROLLER);
	char *eng = render(&slurm_kind, c, BATCH_ENGINES);

	(void)state;
	assert_non_null(strstr(ctl, "#!/bin/sh\n"
	    "#SBATCH --job-name=hpctop-full-ctl\n"
	    "#SBATCH --nodes=1\n#SBATCH --ntasks=1\n"
	    "#SBATCH --partition=debug\n#SBATCH --time=1-02:00:00\n"
	    "#SBATCH --account=proj42\n#SBATCH --mem=4G\n"
	    "#SBATCH --export=ALL\n#SBATCH --exclusive\n"
	    "#SBATCH --constraint=a&b\n# hpctop cluster full: the controller"));
	assert_non_null(strstr(ctl, "\nexec ipcontroller --profile=full "
	    "'--ip=*' "));
	assert_non_null(strstr(eng, "#!/bin/sh\n"
	    "#SBATCH --job-name=hpctop-full-eng\n#SBATCH --ntasks=8\n"
	    "#SBATCH --nodes=2\n#SBATCH --ntasks-per-node=4\n"));
	assert_non_null(strstr(eng, "\nexec mpiexec -v -n 8 -bind-to core "
	    "sh -c '"));
	assert_non_null(strstr(eng, "/tasks hpctop-set0- ipengine --profile=full "));
	assert_non_null(strstr(eng, " --mpi\n"));
	/* A later engine set: its own N, ident prefix, script and walltime. */
	{
		static const char *const want[] = { "\n#SBATCH --ntasks=3\n",
		    "\n#SBATCH --time=00:03:00\n", "\nexec mpiexec -v -n 3 ",
		    "/tasks hpctop-set2- ipengine " };
		char *set, *path;

		c->add_set = 2;
		c->add_n = 3;
		c->profile->engines_walltime = 180;
		set = render(&slurm_kind, c, BATCH_ENGINES);
		for (size_t i = 0; i < sizeof want / sizeof *want; i++)
			if (strstr(set, want[i]) == NULL)
				fail_msg("no '%s' in the set's script", want[i]);
		path = batch_script_path(&slurm_kind, c, BATCH_ENGINES);
		assert_non_null(strstr(path, "/engines-s2.sbatch"));
		free(path);
		free(set);
	}
	free(ctl);
	free(eng);
	cluster_free(c);
}

static void
test_pbs_directives(void **state)
{
	static const char yaml[] = "backend: pbs\nengines: 5\nqueue: batch\n"
	    "walltime: 1-02:00:00\naccount: proj42\nppn: 2\nmem: 500M\n"
	    "controller: {ip: 10.0.0.1}\n";
	struct cluster *c = mk("p", yaml, 5);
	char *ctl = render(&pbs_kind, c, BATCH_CONTROLLER);
	char *eng = render(&pbs_kind, c, BATCH_ENGINES);

	(void)state;
	assert_non_null(strstr(ctl, "#!/bin/sh\n#PBS -N hpctop-p-ctl\n"
	    "#PBS -j oe\n#PBS -V\n#PBS -l nodes=1:ppn=1\n#PBS -q batch\n"
	    "#PBS -l walltime=26:00:00\n#PBS -A proj42\n#PBS -l mem=500mb\n"));
	assert_non_null(strstr(ctl, " --ip=10.0.0.1 "));
	/* 5 engines, 2 per node: 3 nodes. */
	assert_non_null(strstr(eng, "\n#PBS -l nodes=3:ppn=2\n"));
	assert_non_null(strstr(eng, "\nexec mpiexec -n 5 sh -c '"));
	assert_non_null(strstr(eng, "' hpctop-engine "));
	assert_non_null(strstr(eng, "/tasks hpctop-set0- ipengine --profile=p "));
	assert_null(strstr(eng, "--mpi"));
	free(ctl);
	free(eng);
	cluster_free(c);
}

/* The whole script of c: it has `has`, and neither a controller job's
 * script nor a dependency. */
static void
one_job(const struct batch_kind *k, const struct cluster *c, const char *has,
    const char *ctl_script, const char *dependency)
{
	struct err e;
	char *all;

	assert_int_equal(batch_render(k, c, &all, &e), 0);
	assert_non_null(strstr(all, has));
	assert_null(strstr(all, ctl_script));
	assert_null(strstr(all, dependency));
	free(all);
}

/* allocation: one job whose script starts the controller first, in the
 * background, and stops it after the engines; no dependency. login: the
 * controller's command line here, the engines job without dependency. */
static void
test_placements(void **state)
{
	struct cluster *c = mk("al", "backend: slurm\nengines: 2\n"
	    "controller: {placement: allocation}\n", 2);
	char *eng = render(&slurm_kind, c, BATCH_ENGINES);
	char *alone = render(&slurm_kind, c, BATCH_ENGINES_ALONE);
	const char *bg, *srun;

	(void)state;
	bg = strstr(eng, "\nipcontroller --profile=al '--ip=*' ");
	srun = strstr(eng, "\nsrun ");
	assert_non_null(bg);
	assert_non_null(srun);
	assert_true(bg < srun);
	assert_non_null(strstr(bg, " </dev/null &\nhpctop_ctl=$!\n"));
	assert_non_null(strstr(srun, "\nhpctop_rc=$?\nkill \"$hpctop_ctl\""));
	assert_null(strstr(alone, "ipcontroller"));
	assert_non_null(strstr(alone, "\nexec srun "));
	one_job(&slurm_kind, c, "controller.placement allocation",
	    "controller.sbatch", "--dependency");
	free(alone);
	free(eng);
	cluster_free(c);
	c = mk("lg", "backend: pbs\nengines: 2\n"
	    "controller: {placement: login, ip: 0.0.0.0}\n", 2);
	one_job(&pbs_kind, c,
	    "ipcontroller --profile=lg --ip=0.0.0.0 ", "controller.pbs",
	    "depend=");
	cluster_free(c);
}

/* controller.interface is resolved inside the controller job, on its
 * node; the address words expand the variable, the rest stays quoted. */
static void
test_controller_interface(void **state)
{
	static const char yaml[] = "backend: slurm\n"
	    "controller: {interface: ib0, args: ['$x']}\n";
	struct cluster *c = mk("i", yaml, 2);
	char *ctl = render(&slurm_kind, c, BATCH_CONTROLLER);

	(void)state;
	assert_non_null(strstr(ctl, "\nhpctop_ip=$(ip -o -4 addr show dev ib0 "
	    "2>/dev/null | awk '{ sub(\"/.*\", \"\", $4); print $4; exit }')\n"
	    "if [ -z \"$hpctop_ip\" ]; then echo \"hpctop: controller.interface: "
	    "no network interface ib0 with an IPv4 address on $(hostname) "));
	assert_non_null(strstr(ctl, "\nexec ipcontroller --profile=i "
	    "\"--ip=$hpctop_ip\" \"--location=$hpctop_ip\" "
	    "--HeartMonitor.period=200 '$x'\n"));
	assert_null(strstr(ctl, "--ip=*"));
	free(ctl);
	cluster_free(c);
}

static void
test_full_script(void **state)
{
	static const char yaml[] = "backend: slurm\nengines: 3\n"
	    "setup: [HPCTOP_EOF, \"true\"]\n";
	struct cluster *c = mk("odd name", yaml, 3);
	char *out = NULL, *code, *res;
	struct err e;

	(void)state;
	assert_int_equal(batch_render(&slurm_kind, c, &out, &e), 0);
	/* A setup line equal to the delimiter does not end the document. */
	assert_non_null(strstr(out, "<<'HPCTOP_EOF_1'\n"));
	assert_non_null(strstr(out, "--job-name=hpctop-odd_name-ctl\n"));
	assert_non_null(strstr(out, "\nctl=$(sbatch --parsable "));
	assert_non_null(strstr(out, " --dependency=after:$ctl "));
	code = xasprintf("sh -n <<'EOF_TEST'\n%sEOF_TEST\necho $?\n", out);
	res = sh(code);
	assert_string_equal(res, "0\n");
	free(res);
	free(code);
	free(out);
	cluster_free(c);
}

static void
check_submit(const char *out, const char *want)
{
	char *id = batch_parse_submit(out);

	if (want == NULL)
		assert_null(id);
	else
		assert_string_equal(id, want);
	free(id);
}

static const char qsub_err_queue[] =
    "There was an error running the Slurm sbatch command.\n"
    "The command was:\n"
    "'/usr/bin/sbatch -e hello.sh.e%A -o hello.sh.o%A -p nosuch hello.sh "
    "2>&1'\n"
    "and the output was:\n"
    "'sbatch: error: invalid partition specified: nosuch\n"
    " sbatch: error: Batch job submission failed: Invalid partition name "
    "specified\n"
    "'\n";
static const char sbatch_err_partition[] =
    "sbatch: error: invalid partition specified: nosuch\n"
    "sbatch: error: Batch job submission failed: Invalid partition name "
    "specified\n";

static void
test_submit_output(void **state)
{
	char *m;

	(void)state;
	check_submit("Submitted batch job 18\n", "18");
	check_submit("21\n", "21");
	check_submit("123;cluster2\n", "123");
	check_submit("4567.pbs01.example.org\n", "4567.pbs01.example.org");
	check_submit("sbatch: warning: x\nSubmitted batch job 9\n\n", "9");
	check_submit("", NULL);
	check_submit("\n \n", NULL);
	check_submit("Submitted batch job\n", NULL);
	check_submit("job 12$(id)\n", NULL);
	/* As this machine's sbatch and Slurm's qsub wrapper print them
	 * (tests/slurm/recorded in the main tree). */
	check_submit("21\n", "21");
	m = batch_submit_error(qsub_err_queue, "");
	assert_string_equal(m, "sbatch: error: Batch job submission failed: "
	    "Invalid partition name specified");
	free(m);
	m = batch_submit_error("", sbatch_err_partition);
	assert_string_equal(m, "sbatch: error: Batch job submission failed: "
	    "Invalid partition name specified");
	free(m);
	m = batch_submit_error("", "");
	assert_null(m);
	m = batch_submit_error("", "something odd\n");
	assert_string_equal(m, "something odd");
	free(m);
}

/* A profile's bare walltime is minutes and its bare mem megabytes
 * (core/units.h); each scheduler gets them in a form it cannot read
 * otherwise. */
static void
test_bare_units(void **state)
{
	static const char *const yaml[] = {
		"backend: slurm\nwalltime: 30\nmem: 512\n",
		"backend: pbs\nwalltime: 30\nmem: 512\n",
		"backend: slurm\nwalltime: 2h\nmem: 4096M\n",
		"backend: pbs\nwalltime: 90s\nmem: 1000b\n",
	};
	static const char *const want[] = {
		"\n#SBATCH --time=00:30:00\n#SBATCH --mem=512M\n",
		"\n#PBS -l walltime=0:30:00\n#PBS -l mem=512mb\n",
		"\n#SBATCH --time=02:00:00\n#SBATCH --mem=4G\n",
		"\n#PBS -l walltime=0:01:30\n#PBS -l mem=1kb\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof yaml / sizeof *yaml; i++) {
		struct cluster *c = mk("u", yaml[i], 1);
		char *ctl = render(i % 2 == 0 ? &slurm_kind : &pbs_kind, c,
		    BATCH_CONTROLLER);

		if (strstr(ctl, want[i]) == NULL)
			fail_msg("%s gave:\n%s", yaml[i], ctl);
		free(ctl);
		cluster_free(c);
	}
}

static void
test_live(void **state)
{
	struct job_row r = { 0 };

	(void)state;
	r.state = JOB_QUEUED;
	assert_int_equal(batch_live(&r), CLUSTER_LIVE_PENDING);
	r.state = JOB_HELD;
	assert_int_equal(batch_live(&r), CLUSTER_LIVE_PENDING);
	r.state = JOB_RUNNING;
	assert_int_equal(batch_live(&r), CLUSTER_LIVE_RUNNING);
	r.state = JOB_EXITING;
	assert_int_equal(batch_live(&r), CLUSTER_LIVE_RUNNING);
	r.state = JOB_UNKNOWN;
	assert_int_equal(batch_live(&r), CLUSTER_LIVE_RUNNING);
	r.state = JOB_COMPLETED;
	assert_int_equal(batch_live(&r), CLUSTER_LIVE_GONE);
}

/* The registry is the one list: batch entries carry their kind, the
 * process backends none. */
static void
test_registry(void **state)
{
	const struct backend *b;
	size_t n = 0;

	(void)state;
	assert_ptr_equal(registry_find("slurm")->batch, &slurm_kind);
	assert_ptr_equal(registry_find("pbs")->batch, &pbs_kind);
	assert_null(registry_find("local")->batch);
	assert_null(registry_find("mpi")->batch);
	assert_null(registry_find("ssh")->batch);
	assert_null(registry_find("sge"));
	for (; (b = registry_get(n)) != NULL; n++)
		assert_ptr_equal(registry_find(b->name), b);
	assert_int_equal(n, 5);
}


int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nasty_values),
		cmocka_unit_test(test_task_wrapper),
		cmocka_unit_test(test_slurm_directives),
		cmocka_unit_test(test_pbs_directives),
		cmocka_unit_test(test_controller_interface),
		cmocka_unit_test(test_placements),
		cmocka_unit_test(test_bare_units),
		cmocka_unit_test(test_full_script),
		cmocka_unit_test(test_submit_output),
		cmocka_unit_test(test_live),
		cmocka_unit_test(test_registry),
	};

	return cmocka_run_group_tests(tests, testutil_state_setup,
	    testutil_state_teardown);
}
