/* One refresh with 10,000 jobs: parse generated squeue / qstat output into
 * the job table and format every row, as `hpctop status` does. Prints the
 * median time of several runs and the memory the table takes.
 *
 *   sched_parse [-n JOBS] [-r RUNS] [-o DIR]
 *
 * -o writes the generated inputs to DIR (squeue.txt, qstat-a.txt,
 * qstat-f.txt) so that bench/sched.sh can time a reference on the very
 * same bytes. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/jobfmt.h"
#include "core/qstat.h"
#include "core/squeue.h"
#include "core/xmalloc.h"

struct buf {
	char *p;
	size_t n, cap;
};

static void
bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	for (;;) {
		va_start(ap, fmt);
		k = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
		va_end(ap);
		if (k >= 0 && (size_t)k < b->cap - b->n)
			break;
		b->cap = b->cap ? b->cap * 2 : 1 << 20;
		b->p = xreallocarray(b->p, b->cap, 1);
	}
	b->n += (size_t)k;
}

/* A realistic mix: mostly running, some pending with reasons, a few held
 * and finished, array tasks, multi-node lists. */
static const char *const slurm_states[] = {
	"RUNNING", "RUNNING", "RUNNING", "RUNNING", "RUNNING", "RUNNING",
	"PENDING", "PENDING", "COMPLETED", "COMPLETING",
};
static const char *const reasons[] = {
	"Priority", "Resources", "Dependency", "JobHeldUser",
	"QOSMaxJobsPerUserLimit",
};

static void
gen_squeue(struct buf *b, int n)
{
	for (int i = 0; i < n; i++) {
		const char *st = slurm_states[i % 10];
		int pend = strcmp(st, "PENDING") == 0;

		bprintf(b, "%d%s" SQUEUE_SEP "alice" SQUEUE_SEP "compute" SQUEUE_SEP
		    "%d" SQUEUE_SEP "%d" SQUEUE_SEP "%s" SQUEUE_SEP "1-00:00:00"
		    SQUEUE_SEP "%s" SQUEUE_SEP "%d:%02d:%02d" SQUEUE_SEP
		    "%d:%02d:%02d" SQUEUE_SEP "%s" SQUEUE_SEP "%s" SQUEUE_SEP
		    "%s" SQUEUE_SEP "ipengine-%s-%d\n",
		    4000000 + i / 4, i % 4 ? "_1" : "", 1 + i % 8, 4 * (1 + i % 8),
		    i % 3 ? "4000M" : "0", st, pend ? 0 : i % 24, i % 60,
		    (i * 7) % 60, pend ? 24 : 23 - i % 24, 59 - i % 60,
		    59 - (i * 7) % 60, !pend ? "2026-12-04T01:00:00" : i % 2 ?
		    "2026-12-04T03:00:00" : "N/A",
		    pend ? reasons[i % 5] : "None",
		    pend ? "" : (i % 2 ? "nid00[100-107]" : "node042"),
		    "cluster", i);
	}
}

static const char pbs_letters[] = "RRRRRRQQCH";

static void
gen_qstat_alt(struct buf *b, int n)
{
	bprintf(b, "\nserver.example.org:\n"
	    "                                                            "
	    "                      Req'd    Req'd       Elap\n"
	    "Job ID                  Username    Queue    Jobname          "
	    "SessID  NDS   TSK   Memory   Time    S   Time\n"
	    "----------------------- ----------- -------- ---------------- "
	    "------ ----- ------ ------ --------- - ---------\n");
	for (int i = 0; i < n; i++) {
		char s = pbs_letters[i % 10];

		bprintf(b, "%d.server.example  alice       batch    "
		    "ipengine-%-7d %6d %5d %6d %6s  24:00:00 %c %9s   %s\n",
		    5000000 + i, i, 1000 + i, 1 + i % 8, 4 * (1 + i % 8),
		    i % 3 ? "4gb" : "--", s, s == 'R' ? "01:02:03" : "--",
		    s == 'R' ? "n042/0+n042/1+n043/0" : "--");
	}
}

static void
gen_qstat_full(struct buf *b, int n)
{
	for (int i = 0; i < n; i++) {
		char s = pbs_letters[i % 10];

		bprintf(b, "Job Id: %d.server.example\n"
		    "    Job_Name = ipengine-%d\n"
		    "    Job_Owner = alice@login1.example\n", 5000000 + i, i);
		if (s == 'R')
			bprintf(b, "    resources_used.walltime = 01:02:03\n");
		bprintf(b, "    job_state = %c\n"
		    "    queue = batch\n"
		    "    server = server.example\n", s);
		if (s == 'R')
			bprintf(b, "    exec_host = n042/0*4+n043/0*4\n");
		bprintf(b, "    Hold_Types = %s\n"
		    "    Resource_List.mem = 4gb\n"
		    "    Resource_List.nodect = 2\n"
		    "    Resource_List.nodes = 2:ppn=4\n"
		    "    Resource_List.walltime = 24:00:00\n"
		    "    Variable_List = PBS_O_HOME=/home/alice,PBS_O_LOGNAME=al"
		    "ice,PBS_O_PATH=/usr/bin:/bin,\n"
		    "\tPBS_O_WORKDIR=/home/alice/run,PBS_O_HOST=login1.example\n"
		    "\n", s == 'H' ? "u" : "n");
	}
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static long
maxrss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

enum kind { SQUEUE, QSTAT_A, QSTAT_F };

static void
parse(enum kind k, const struct buf *in, struct job_table *t)
{
	switch (k) {
	case SQUEUE:
		squeue_parse(in->p, in->n, t);
		break;
	case QSTAT_A:
		qstat_parse_alt(in->p, in->n, t);
		break;
	case QSTAT_F:
		qstat_parse_full(in->p, in->n, t);
		break;
	}
}

/* One refresh: parse, then the table model as `status` prints it. */
static size_t
refresh(enum kind k, const struct buf *in, struct job_table *t,
    size_t *textlen)
{
	char *text;

	parse(k, in, t);
	text = jobfmt_table(t);
	*textlen = strlen(text);
	free(text);
	return t->n;
}

static void
bench(const char *name, enum kind k, const struct buf *in, int jobs,
    int runs)
{
	double *ms = xcalloc((size_t)runs, sizeof *ms), parse_best = 1e9;
	struct job_table t = { 0 };
	size_t rows = 0, textlen = 0, heap;
	struct mallinfo2 m0, m1;
	long rss0, rss1;

	/* Memory first, on a cold table: the heap the rows take while held
	 * (what the dashboard keeps between refreshes), and the peak RSS
	 * growth of the whole refresh including the formatted text. */
	rss0 = maxrss_kib();
	m0 = mallinfo2();
	parse(k, in, &t);
	m1 = mallinfo2();
	heap = m1.uordblks + m1.hblkhd - m0.uordblks - m0.hblkhd;
	jobtab_clear(&t);
	refresh(k, in, &t, &textlen);
	rss1 = maxrss_kib();
	jobtab_clear(&t);

	for (int r = 0; r < runs; r++) {
		double t0 = now(), t1;

		rows = refresh(k, in, &t, &textlen);
		t1 = now();
		ms[r] = (t1 - t0) * 1e3;
		jobtab_clear(&t);
		/* Parse alone, for the split. */
		t0 = now();
		parse(k, in, &t);
		t1 = now();
		if ((t1 - t0) * 1e3 < parse_best)
			parse_best = (t1 - t0) * 1e3;
		jobtab_clear(&t);
	}
	qsort(ms, (size_t)runs, sizeof *ms, cmp_double);
	if (rows != (size_t)jobs) {
		fprintf(stderr, "sched_parse: %s: parsed %zu rows, expected %d\n",
		    name, rows, jobs);
		exit(1);
	}
	printf("%-9s jobs=%d input=%.2fMiB refresh_median_ms=%.2f "
	    "refresh_min_ms=%.2f parse_min_ms=%.2f table_heap_mib=%.2f "
	    "peak_rss_growth_mib=%.2f text=%.2fMiB\n", name, jobs,
	    (double)in->n / 1048576.0, ms[runs / 2], ms[0], parse_best,
	    (double)heap / 1048576.0, (double)(rss1 - rss0) / 1024.0,
	    (double)textlen / 1048576.0);
	free(ms);
}

static void
dump(const char *dir, const char *file, const struct buf *b)
{
	char *path = xasprintf("%s/%s", dir, file);
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(b->p, 1, b->n, f) != b->n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	free(path);
}

int
main(int argc, char **argv)
{
	struct buf sq = { 0 }, qa = { 0 }, qf = { 0 };
	const char *dir = NULL;
	int jobs = 10000, runs = 21, c;

	while ((c = getopt(argc, argv, "n:r:o:")) != -1) {
		switch (c) {
		case 'n': jobs = atoi(optarg); break;
		case 'r': runs = atoi(optarg); break;
		case 'o': dir = optarg; break;
		default:
			fprintf(stderr, "usage: sched_parse [-n JOBS] [-r RUNS] "
			    "[-o DIR]\n");
			return 2;
		}
	}
	if (jobs < 1 || runs < 1) {
		fprintf(stderr, "sched_parse: -n and -r must be positive\n");
		return 2;
	}
	if (dir != NULL) {
		gen_squeue(&sq, jobs);
		gen_qstat_alt(&qa, jobs);
		gen_qstat_full(&qf, jobs);
		dump(dir, "squeue.txt", &sq);
		dump(dir, "qstat-a.txt", &qa);
		dump(dir, "qstat-f.txt", &qf);
		free(sq.p);
		free(qa.p);
		free(qf.p);
	}
	/* Each kind in a fresh child that generates its own input: peak RSS
	 * is its own, and no copy-on-write pages of the parent's heap. */
	fflush(stdout);
	for (int k = SQUEUE; k <= QSTAT_F; k++) {
		static const char *const names[] = { "squeue", "qstat-a",
		    "qstat-f" };
		pid_t pid = fork();
		int status;

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			struct buf in = { 0 };

			if (k == SQUEUE)
				gen_squeue(&in, jobs);
			else if (k == QSTAT_A)
				gen_qstat_alt(&in, jobs);
			else
				gen_qstat_full(&in, jobs);
			bench(names[k], k, &in, jobs, runs);
			free(in.p);
			fflush(stdout);
			_exit(0);
		}
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			return 1;
	}
	return 0;
}
