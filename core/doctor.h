/* hpctop doctor's curses-free parts: the probe it runs where the engines
 * would run (a sh script finding the Python an engine command runs, a
 * Python script reporting that Python, ipyparallel, mpi4py's MPI library
 * and a TCP connection to the controller's address, the controller side
 * of that connection, and a small MPI C program), what the probe prints,
 * and the checklist it becomes.
 *
 * Every task writes its facts into a file of its own in the doctor's
 * directory (report.HOST.PID; report.mpi.RANK for the MPI program), as
 * lines "hpctop-doctor HOST KEY VALUE", one line per fact:
 *   engine PATH              the engine command found there
 *   missing TEXT             it was not ("ipengine: not found")
 *   python VERSION PATH      the interpreter of the engine command
 *   ipyparallel VERSION | ipyparallel-error TEXT
 *   mpi4py LIBRARY-LINE | mpi4py-error TEXT
 *   tcp ADDR:PORT | tcp-error TEXT
 *   listen ADDR:PORT | listen-error TEXT   (the controller side)
 *   mpi RANK SIZE SUMOK      one per rank of the MPI program */
#ifndef HPCTOP_DOCTOR_H
#define HPCTOP_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "strv.h"

#define DOCTOR_TAG "hpctop-doctor"

/* File names inside the doctor's directory. */
#define DOCTOR_PROBE "probe.sh"
#define DOCTOR_CPI_SRC "cpi.c"
#define DOCTOR_CPI "cpi"
#define DOCTOR_LISTEN "listen"	/* "ADDR PORT": where the probes connect */
#define DOCTOR_DONE "done"	/* written when the probe job finished */
#define DOCTOR_REPORT "report."	/* prefix of the tasks' report files */
#define DOCTOR_REPORT_MAX (1024u * 1024)

/* Writes the probe scripts and the MPI program's source into dir. */
int doctor_write_files(const char *dir, struct err *e);
/* Writes text to dir/name (mode 0600). */
int doctor_write(const char *dir, const char *name, const char *text,
    struct err *e);
/* Writes "ADDR PORT\n" to dir/DOCTOR_LISTEN atomically. */
int doctor_write_listen(const char *dir, const char *addr, int port,
    struct err *e);

/* What one host reported (strings owned; NULL when not reported). */
struct doctor_node {
	char *host;
	char *engine;
	char *missing;
	char *python;
	char *ipp;
	char *ipp_error;
	char *mpi;
	char *mpi_error;
	char *tcp;
	char *tcp_error;
	char *listen;
	char *listen_error;
	int ranks;		/* MPI program ranks that ran here */
};

struct doctor_report {
	struct doctor_node *nodes;	/* in the order hosts first spoke */
	size_t n;
	int ranks;		/* MPI program: ranks that reported */
	int size_min, size_max;	/* world sizes they saw */
	int sum_bad;		/* ranks whose Allreduce came out wrong */
};

/* Adds every probe line of text to r (other lines are ignored). */
void doctor_parse(const char *text, struct doctor_report *r);
/* Parses every report file in dir into r and removes it, so that each
 * phase collects only its own tasks' facts. */
int doctor_collect(const char *dir, struct doctor_report *r, struct err *e);
void doctor_report_clear(struct doctor_report *r);

/* "3.11" of a python fact "3.11.2 /usr/bin/python3"; caller frees. */
char *doctor_python_minor(const char *python);

enum doctor_status {
	DOCTOR_OK,
	DOCTOR_FAILED,
	DOCTOR_SKIPPED,
};

struct doctor_check {
	char *check;
	enum doctor_status status;
	char *detail;
	char *fix;		/* NULL unless failed */
};

struct doctor_list {
	struct doctor_check *v;
	size_t n;
};

const char *doctor_status_name(enum doctor_status s);
/* Appends a check; fix is used only when failed (may be NULL). */
void doctor_add(struct doctor_list *l, const char *check,
    enum doctor_status s, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
bool doctor_any_failed(const struct doctor_list *l);
void doctor_list_clear(struct doctor_list *l);

#endif
