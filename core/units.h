/* Durations and sizes: the one parser of each and the formatters the
 * schedulers and tables want. Where a number carries no unit, the caller
 * says which one it means (a profile's walltime 30 is minutes, as sbatch
 * reads it; a scheduler's elapsed 30 is seconds). */
#ifndef HPCTOP_UNITS_H
#define HPCTOP_UNITS_H

#include <stddef.h>

#include "err.h"

/* Units of a bare duration, in seconds. */
#define UNITS_SECOND 1L
#define UNITS_MINUTE 60L

/* Units of a bare size, in bytes. */
#define UNITS_KIB (1LL << 10)
#define UNITS_MIB (1LL << 20)

/* Parses a duration into *seconds:
 *   N          N times bare_unit
 *   M:S        minutes and seconds
 *   H:M:S      hours, minutes and seconds
 *   D-H, D-H:M, D-H:M:S  with days (Slurm's forms)
 *   Ns, Nm, Nh, Nd       one number with its unit (90s, 2h, 1d)
 * Fields are digits only, any count. -1 with e ("expected ...", "too
 * large"; without the text, which the caller shows as it sees fit) when
 * text is none of these or does not fit in a long. */
int units_parse_duration(const char *text, long bare_unit, long *seconds,
    struct err *e);

/* Parses a local date and time as Slurm prints one (squeue %S, scontrol's
 * StartTime: YYYY-MM-DDTHH:MM:SS) or PBS does (ctime's "Thu Dec  4
 * 03:00:00 2026": qstat -f's estimated.start_time), into Unix time. -1
 * with e when text is neither or names no real time. */
int units_parse_datetime(const char *text, long *epoch, struct err *e);

/* Parses a size into *bytes: digits, then optionally K, M, G or T (powers
 * of 1024, either case) with an optional b/B after it ("4G", "500mb"); B
 * alone means bytes; no unit means bare_unit. -1 with e as above. */
int units_parse_size(const char *text, long long bare_unit, long long *bytes,
    struct err *e);

/* a * b + c, or -1 when a or c is negative or the result does not fit in a
 * long: numbers from schedulers and profiles can be anything. */
long units_mul_add(long a, long b, long c);

enum units_clock {
	UNITS_CLOCK_SHORT,	/* as squeue prints: 1-02:03:04, 2:03:04, 3:04 */
	UNITS_CLOCK_DHMS,	/* sbatch --time: [D-]HH:MM:SS */
	UNITS_CLOCK_HMS,	/* qsub walltime: H:MM:SS, hours unbounded */
};

/* seconds in style (negative: "-"), cut to fit outlen (32 bytes hold
 * any); written by hand since the dashboard formats every row of a
 * 10,000-job table on each refresh. */
void units_format_duration(long seconds, enum units_clock style, char *out,
    size_t outlen);

enum units_size_style {
	UNITS_SIZE_UPPER,	/* sbatch --mem: 4G, 500M, 3K */
	UNITS_SIZE_LOWER_B,	/* qsub -l mem: 4gb, 500mb, 3kb */
};

/* bytes in the largest unit of K, M, G, T that holds it exactly (rounded
 * up to whole KiB); out must hold 32 bytes. */
void units_format_size(long long bytes, enum units_size_style style,
    char *out, size_t outlen);

#endif
